import { createHash } from "node:crypto";

/**
 * Server-streaming calls over a session (AuditService.ExportEntries). The
 * session protocol MACs one response per call; for a stream the "response
 * bytes" are the stream digest below, over the messages as they travel (the
 * ciphertexts, on an SM4 session), and the server sends
 * hutong-mac = responseMac(s2c, method, request nonce, streamDigest) in the
 * trailers, as for a unary call. So the whole stream, its order and its end
 * are authenticated at once, when the trailers arrive. Messages are therefore
 * provisional until the call resolves: a caller writes them somewhere it can
 * discard (the export writes a .partial file and renames it only then).
 *
 *   streamDigest = SM3( u32be(len(m1)) || m1 || u32be(len(m2)) || m2 || ... )   (SM3 of nothing for no message)
 */
export interface StreamDigest {
  update(message: Uint8Array): void;
  /** The 32-byte digest of the messages so far; call once, at the end. */
  digest(): Uint8Array;
}

export function createStreamDigest(): StreamDigest {
  const hash = createHash("sm3");
  const length = Buffer.alloc(4);
  return {
    update(message) {
      length.writeUInt32BE(message.length);
      hash.update(length);
      hash.update(message);
    },
    digest: () => new Uint8Array(hash.digest()),
  };
}
