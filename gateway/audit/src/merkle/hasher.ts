import { createHash } from "node:crypto";
import { MerkleError } from "./merkle-error.js";

/** The hash under the tree: SM3 for our logs (a private profile), SHA-256 for RFC 6962/9162 conformance. */
export type MerkleHashName = "sm3" | "sha256";

/**
 * RFC 9162 §2.1.1 hashing, parameterised by the hash function. The 0x00 / 0x01
 * prefixes keep a leaf from ever equalling an interior node (second preimages).
 */
export interface MerkleHasher {
  readonly name: MerkleHashName;
  readonly size: 32;
  /** HASH(""): the root of the empty tree. */
  emptyRoot(): Uint8Array;
  /** HASH(0x00 || entry). */
  hashLeaf(entry: Uint8Array): Uint8Array;
  /** HASH(0x01 || left || right). Children of any length are hashed as given (the RFC test vectors use 4-byte ones). */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const leafPrefix = new Uint8Array([0x00]);
const nodePrefix = new Uint8Array([0x01]);

// node:crypto's createHash is used directly (rather than @hutong/certs' sm3(...parts))
// because it is the same OpenSSL digest without the rest-parameter array per call; the
// spec checks the two agree.
function createMerkleHasher(name: MerkleHashName): MerkleHasher {
  const empty = new Uint8Array(createHash(name).digest());
  return Object.freeze({
    name,
    size: 32,
    emptyRoot: () => empty.slice(),
    hashLeaf(entry: Uint8Array): Uint8Array {
      return new Uint8Array(createHash(name).update(leafPrefix).update(entry).digest());
    },
    hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
      return new Uint8Array(createHash(name).update(nodePrefix).update(left).update(right).digest());
    },
  } as const);
}

export const sm3Hasher: MerkleHasher = createMerkleHasher("sm3");
export const sha256Hasher: MerkleHasher = createMerkleHasher("sha256");

export function merkleHasher(name: MerkleHashName): MerkleHasher {
  switch (name) {
    case "sm3":
      return sm3Hasher;
    case "sha256":
      return sha256Hasher;
    default:
      // Reached only from untyped callers (config files, JSON).
      throw new MerkleError("malformed", `unknown Merkle hash ${JSON.stringify(name as unknown)}`);
  }
}
