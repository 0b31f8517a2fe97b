import { createSm4AeadKey, isCertsError, type Sm4AeadKey, sm4Open, sm4Seal } from "@hutong/certs";
import { concatBytes, utf8 } from "./canonical-encoding.js";
import { SessionError, type SessionErrorCode } from "./session-error.js";

/**
 * The ticket key shared by all replicas of a gateway, with rotation: blobs
 * are sealed under the current key and opened under the current or the
 * previous one, so a rotation rolled out replica by replica breaks no live
 * session. Any older key is forgotten: its tickets are refused.
 *
 * Wire form of a sealed blob: keyId (1 byte) || SM4-CBC+HMAC-SM3 AEAD output,
 * with AAD = label || keyId. The label keeps a cookie from being accepted as a
 * ticket (and the reverse); the key id in the AAD keeps the prefix honest.
 */
export interface TicketKeySpec {
  /** 0..255; must differ between current and previous. */
  readonly id: number;
  /** 32 secret bytes. */
  readonly secret: Uint8Array;
}

export interface TicketKeyringOptions {
  readonly current: TicketKeySpec;
  readonly previous?: TicketKeySpec;
}

export interface TicketKeyring {
  readonly currentId: number;
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  /** Throws SessionError(failCode) for an unknown key id or a blob that does not authenticate. */
  open(label: string, sealed: Uint8Array, failCode: SessionErrorCode): Uint8Array;
}

function importKey(spec: TicketKeySpec, what: string): Sm4AeadKey {
  if (!Number.isInteger(spec.id) || spec.id < 0 || spec.id > 255) {
    throw new SessionError("invalid-config", `${what} ticket key id must be an integer 0..255`);
  }
  if (spec.secret.length !== 32) throw new SessionError("invalid-config", `${what} ticket key must be 32 bytes`);
  return createSm4AeadKey(spec.secret);
}

export function createTicketKeyring(options: TicketKeyringOptions): TicketKeyring {
  const keys = new Map<number, Sm4AeadKey>([[options.current.id, importKey(options.current, "current")]]);
  if (options.previous !== undefined) {
    if (options.previous.id === options.current.id) {
      throw new SessionError("invalid-config", "current and previous ticket keys need different ids");
    }
    keys.set(options.previous.id, importKey(options.previous, "previous"));
  }
  const currentId = options.current.id;
  const currentKey = keys.get(currentId) as Sm4AeadKey;
  const aad = (label: string, id: number) => concatBytes([utf8(label), Uint8Array.of(id)]);
  return {
    currentId,
    seal(label, plaintext) {
      return concatBytes([Uint8Array.of(currentId), sm4Seal(currentKey, plaintext, aad(label, currentId))]);
    },
    open(label, sealed, failCode) {
      const id = sealed[0];
      const key = id === undefined ? undefined : keys.get(id);
      if (id === undefined || key === undefined) throw new SessionError(failCode, "sealed under an unknown ticket key");
      try {
        return sm4Open(key, sealed.subarray(1), aad(label, id));
      } catch (cause) {
        if (isCertsError(cause))
          throw new SessionError(failCode, "does not authenticate under the ticket key", { cause });
        throw cause;
      }
    },
  };
}
