// The bytes HAProxy sends to check a gateway replica: a gRPC grpc.health.v1.Health/Check call
// written out as raw HTTP/2, because `http-check` cannot send a gRPC frame's NUL bytes and
// Node's HTTP/2 server resets a request without :authority (deploy-components.md). The
// committed haproxy.cfg carries the hex this module builds; a check keeps the two equal.

/** HPACK string literal, no Huffman coding (RFC 7541 §5.2): 7-bit length prefix, then the bytes. */
function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  if (bytes.length > 126) throw new Error("header value too long for a one-byte length");
  return Buffer.concat([Buffer.of(bytes.length), bytes]);
}

/** A literal header without indexing (RFC 7541 §6.2.2) whose name is static-table entry `index` (< 15). */
function literalIndexedName(index: number, value: string): Buffer {
  return Buffer.concat([Buffer.of(index), hpackString(value)]);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** The client side of one health check on a fresh connection: preface, SETTINGS, HEADERS, DATA. */
export function healthCheckRequest(authority: string): Buffer {
  const headers = Buffer.concat([
    Buffer.of(0x83), // :method POST (static 3)
    Buffer.of(0x86), // :scheme http (static 6)
    literalIndexedName(4, "/grpc.health.v1.Health/Check"), // :path
    literalIndexedName(1, authority), // :authority
    Buffer.of(0x0f, 0x10), // content-type (static 31: 15 + 16), literal without indexing
    hpackString("application/grpc"),
    Buffer.of(0x00), // te: a new name, literal without indexing
    hpackString("te"),
    hpackString("trailers"),
  ]);
  return Buffer.concat([
    Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
    frame(0x4, 0x0, 0, Buffer.alloc(0)), // SETTINGS, empty
    frame(0x1, 0x4, 1, headers), // HEADERS, END_HEADERS
    // DATA, END_STREAM: one gRPC message, uncompressed, empty (HealthCheckRequest{service: ""}).
    frame(0x0, 0x1, 1, Buffer.of(0, 0, 0, 0, 0)),
  ]);
}

/**
 * What a SERVING answer contains: the gRPC message `HealthCheckResponse{status: SERVING}` (field 1
 * varint 1) behind its 5-byte prefix. NOT_SERVING (2) does not match, so a replica that is closing
 * goes DOWN.
 */
export const servingResponseHex = "00000000020801";
