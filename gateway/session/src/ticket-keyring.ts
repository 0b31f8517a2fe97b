import { createSm4AeadKey, isCertsError, type Sm4AeadKey, sm4Open, sm4Seal } from "@hutong/certs";
import { concatBytes, utf8 } from "./canonical-encoding.js";
import { SessionError, type SessionErrorCode } from "./session-error.js";

/**
 * The ticket key shared by all replicas of a gateway, with rotation: blobs
 * are sealed under the current key and opened under the current, the
 * previous or the next one. A rotation takes three steps, each rolled out to
 * every replica before the next (docs/operations/ticket-key-rotation.md): add
 * the new key as next (every replica opens what any will seal), make it
 * current with the old one previous, drop previous after the ticket
 * lifetime; no live session breaks. Any other key is forgotten: its tickets
 * are refused. `update` swaps the keys in place on a config reload.
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
  /** Opened, never sealed under: the first step of a rotation. */
  readonly next?: TicketKeySpec;
}

export interface TicketKeyring {
  readonly currentId: number;
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  /** Throws SessionError(failCode) for an unknown key id or a blob that does not authenticate. */
  open(label: string, sealed: Uint8Array, failCode: SessionErrorCode): Uint8Array;
  /** Whether blobs sealed under this key id open now (a cache of opened tickets asks on every hit). */
  accepts(keyId: number): boolean;
  /** Replaces the keys (checked whole first: on a bad set nothing changes and this throws invalid-config). */
  update(options: TicketKeyringOptions): void;
}

function importKey(spec: TicketKeySpec, what: string): Sm4AeadKey {
  if (!Number.isInteger(spec.id) || spec.id < 0 || spec.id > 255) {
    throw new SessionError("invalid-config", `${what} ticket key id must be an integer 0..255`);
  }
  if (spec.secret.length !== 32) throw new SessionError("invalid-config", `${what} ticket key must be 32 bytes`);
  return createSm4AeadKey(spec.secret);
}

interface KeySet {
  readonly keys: ReadonlyMap<number, Sm4AeadKey>;
  readonly currentId: number;
  readonly currentKey: Sm4AeadKey;
}

function importKeySet(options: TicketKeyringOptions): KeySet {
  const keys = new Map<number, Sm4AeadKey>([[options.current.id, importKey(options.current, "current")]]);
  for (const slot of ["previous", "next"] as const) {
    const spec = options[slot];
    if (spec === undefined) continue;
    if (keys.has(spec.id)) throw new SessionError("invalid-config", `the ${slot} ticket key needs an id of its own`);
    keys.set(spec.id, importKey(spec, slot));
  }
  return { keys, currentId: options.current.id, currentKey: keys.get(options.current.id) as Sm4AeadKey };
}

export function createTicketKeyring(options: TicketKeyringOptions): TicketKeyring {
  let set = importKeySet(options);
  const aad = (label: string, id: number) => concatBytes([utf8(label), Uint8Array.of(id)]);
  return {
    get currentId() {
      return set.currentId;
    },
    seal(label, plaintext) {
      const { currentId, currentKey } = set;
      return concatBytes([Uint8Array.of(currentId), sm4Seal(currentKey, plaintext, aad(label, currentId))]);
    },
    accepts(keyId) {
      return set.keys.has(keyId);
    },
    update(next) {
      set = importKeySet(next);
    },
    open(label, sealed, failCode) {
      const id = sealed[0];
      const key = id === undefined ? undefined : set.keys.get(id);
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
