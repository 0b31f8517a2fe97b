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
}

/**
 * Reassembles messages from DATA chunks split anywhere. push() throws WireError:
 * - RESOURCE_EXHAUSTED for a message over the limit, decided from its length prefix before any of it is buffered;
 * - INTERNAL for a set compressed flag: this transport never negotiates a grpc-encoding (it answers a request
 *   that names one with UNIMPLEMENTED before reading the body), and the status-code table says a compressed
 *   message without grpc-encoding is INTERNAL; also INTERNAL for a flag other than 0 or 1.
 * After a throw the decoder is unusable; the call is over.
 *
 * A class rather than a factory: one exists per call on the hot path, so its methods live on the prototype.
 */
export class MessageDecoder {
  readonly #maxMessageBytes: number;
  readonly #sink: MessageSink;
  #header: Buffer | undefined;
  #headerFilled = 0;
  #body: Buffer | undefined;
  #bodyFilled = 0;

  constructor(maxMessageBytes: number, sink: MessageSink) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#sink = sink;
  }

  /** True while part of a message is buffered: the stream ending now would truncate it. */
  get pending(): boolean {
    return this.#headerFilled > 0 || this.#body !== undefined;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    let offset = 0;
    while (offset < length) {
      const body = this.#body;
      if (body !== undefined) {
        const take = Math.min(body.length - this.#bodyFilled, length - offset);
        chunk.copy(body, this.#bodyFilled, offset, offset + take);
        this.#bodyFilled += take;
        offset += take;
        if (this.#bodyFilled === body.length) {
          this.#body = undefined;
          this.#sink.onMessage(body);
        }
        continue;
      }
      let flag: number;
      let size: number;
      if (this.#headerFilled === 0 && length - offset >= frameHeaderBytes) {
        flag = chunk[offset] ?? 0;
        size = chunk.readUInt32BE(offset + 1);
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
        size = header.readUInt32BE(1);
      }
      if (flag !== 0) {
        throw new WireError(
          Status.INTERNAL,
          flag === 1 ? "compressed message without grpc-encoding" : `invalid message flag ${flag}`,
        );
      }
      if (size > this.#maxMessageBytes) {
        throw new WireError(
          Status.RESOURCE_EXHAUSTED,
          `message of ${size} bytes exceeds the limit of ${this.#maxMessageBytes} bytes`,
        );
      }
      if (length - offset >= size) {
        // Whole message inside this chunk: hand out a view, no copy. node:http2 gives each read its own buffer.
        const message = chunk.subarray(offset, offset + size);
        offset += size;
        this.#sink.onMessage(message);
      } else {
        const buffered = Buffer.allocUnsafe(size);
        const take = length - offset;
        chunk.copy(buffered, 0, offset, length);
        this.#body = buffered;
        this.#bodyFilled = take;
        offset = length;
      }
    }
  }
}
