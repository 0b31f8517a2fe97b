// gRPC's length-prefixed message framing (PROTOCOL-HTTP2.md): a 1-byte compressed flag, a 4-byte big-endian
// length, then the message bytes. Messages are opaque here: the gateway forwards them without decoding.
import { Status } from "./grpc-status.js";
import { WireError } from "./wire-error.js";

export const frameHeaderBytes = 5;

/** One framed, uncompressed message. */
export function frameMessage(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.length);
  frame[0] = 0;
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, frameHeaderBytes);
  return frame;
}

export interface MessageSink {
  onMessage(message: Buffer): void;
  /**
   * Bytes of an incomplete message are about to be held (positive), or were let go because the
   * message completed (negative). May throw a WireError to refuse holding them: memory budgets are
   * charged for what really arrived, not for what a length prefix declares.
   */
  onBuffered?(delta: number): void;
}

/**
 * Reassembles messages from DATA chunks split anywhere. push() throws WireError:
 * - RESOURCE_EXHAUSTED for a message over the limit, decided from its length prefix before any of it is buffered;
 * - INTERNAL for a set compressed flag: this transport never negotiates a grpc-encoding (it answers a request
 *   that names one with UNIMPLEMENTED before reading the body), and the status-code table says a compressed
 *   message without grpc-encoding is INTERNAL; also INTERNAL for a flag other than 0 or 1;
 * - whatever the sink's onBuffered throws.
 * After a throw the decoder is unusable; the call is over.
 *
 * A message split over chunks is kept as the bytes that arrived and joined once complete: a peer that
 * declares 4 MiB and sends 10 bytes costs 10 bytes. A held chunk is copied unless it owns its memory:
 * node:http2's chunks are views into its socket read buffers, and keeping a 16 KiB view would keep
 * the whole read buffer alive (measured: 2.7× the bytes charged).
 *
 * A class rather than a factory: one exists per call on the hot path, so its methods live on the prototype.
 */
export class MessageDecoder {
  readonly #maxMessageBytes: number;
  readonly #sink: MessageSink;
  #header: Buffer | undefined;
  #headerFilled = 0;
  /** Declared size of the message being reassembled, -1 when none is. */
  #size = -1;
  #parts: Buffer[] = [];
  #filled = 0;

  constructor(maxMessageBytes: number, sink: MessageSink) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#sink = sink;
  }

  /** True while part of a message is buffered: the stream ending now would truncate it. */
  get pending(): boolean {
    return this.#headerFilled > 0 || this.#size >= 0;
  }

  /** Bytes of an incomplete message held now (what onBuffered has been told, net). */
  get buffered(): number {
    return this.#filled;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    let offset = 0;
    while (offset < length) {
      const size = this.#size;
      if (size >= 0) {
        const take = Math.min(size - this.#filled, length - offset);
        this.#sink.onBuffered?.(take);
        const part = chunk.subarray(offset, offset + take);
        this.#parts.push(part.buffer.byteLength === take ? part : Buffer.from(part));
        this.#filled += take;
        offset += take;
        if (this.#filled === size) {
          const message = Buffer.concat(this.#parts, size);
          this.#parts = [];
          this.#size = -1;
          const held = this.#filled;
          this.#filled = 0;
          this.#sink.onBuffered?.(-held);
          this.#sink.onMessage(message);
        }
        continue;
      }
      let flag: number;
      let declared: number;
      if (this.#headerFilled === 0 && length - offset >= frameHeaderBytes) {
        flag = chunk[offset] ?? 0;
        declared = chunk.readUInt32BE(offset + 1);
        offset += frameHeaderBytes;
      } else {
        if (this.#header === undefined) this.#header = Buffer.allocUnsafe(frameHeaderBytes);
        const header = this.#header;
        const take = Math.min(frameHeaderBytes - this.#headerFilled, length - offset);
        chunk.copy(header, this.#headerFilled, offset, offset + take);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < frameHeaderBytes) return;
        this.#headerFilled = 0;
        flag = header[0] ?? 0;
        declared = header.readUInt32BE(1);
      }
      if (flag !== 0) {
        throw new WireError(
          Status.INTERNAL,
          flag === 1 ? "compressed message without grpc-encoding" : `invalid message flag ${flag}`,
        );
      }
      if (declared > this.#maxMessageBytes) {
        throw new WireError(
          Status.RESOURCE_EXHAUSTED,
          `message of ${declared} bytes exceeds the limit of ${this.#maxMessageBytes} bytes`,
        );
      }
      if (length - offset >= declared) {
        // Whole message inside this chunk: hand out a view, no copy. node:http2 gives each read its own buffer.
        const message = chunk.subarray(offset, offset + declared);
        offset += declared;
        this.#sink.onMessage(message);
      } else {
        this.#size = declared;
      }
    }
  }
}
