import { type Cipher, createCipheriv } from "node:crypto";
import { type ProtectionMode, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/**
 * The confidentiality of one direction of one call (docs/session-protocol.md §6.3). Under `sm4`
 * the direction's messages are encrypted with SM4-CTR under that direction's key (`c2sEnc` for the
 * request, `s2cEnc` for responses), the initial counter block being the call's 16-byte nonce,
 * incremented as one 128-bit big-endian integer per 16-byte block; the keystream runs on across a
 * server stream's messages in order (message i starts where message i−1 ended, mid-block if need
 * be), so no two messages of a call share keystream and a unary call is simply the one-message
 * case. A ciphertext has its plaintext's length. Encrypting and decrypting are the same operation.
 * Under `plaintext` the messages pass unchanged.
 *
 * Both directions start from the same nonce: safe, because their keys are independent HKDF outputs,
 * so the keystreams are unrelated. Within a direction, a session's nonces are fresh random 16-byte
 * values and the replay window refuses a repeated one, so no (key, counter block) pair repeats.
 */
export interface MessageCipher {
  /** The next message of this direction, transformed. */
  next(message: Uint8Array): Uint8Array;
}

const passThrough: MessageCipher = { next: (message) => message };

class Sm4CtrCipher implements MessageCipher {
  readonly #key: Uint8Array;
  readonly #nonce: Uint8Array;
  #cipher: Cipher | undefined;

  constructor(key: Uint8Array, nonce: Uint8Array) {
    this.#key = key;
    this.#nonce = nonce;
  }

  next(message: Uint8Array): Uint8Array {
    // Made on first use: a stream that sends nothing costs nothing.
    this.#cipher ??= createCipheriv("sm4-ctr", this.#key, this.#nonce);
    return message.length === 0 ? message : this.#cipher.update(message);
  }
}

export function createMessageCipher(mode: ProtectionMode, key: Uint8Array, nonce: Uint8Array): MessageCipher {
  if (mode === "plaintext") return passThrough;
  if (key.length !== sizes.encKey) throw new SessionError("invalid-config", "an SM4 key is 16 bytes");
  if (nonce.length !== sizes.nonce) throw new SessionError("malformed", "nonce must be 16 bytes");
  return new Sm4CtrCipher(key, nonce);
}
