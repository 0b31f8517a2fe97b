import { spawnSync } from "node:child_process";
import { createHmac, createPublicKey, verify as nodeVerify, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSm2PrivateKey } from "@hutong/certs";
import fc from "fast-check";
import { consistencyPath, sm3Hasher, treeRoot } from "../merkle/index.js";
import type { NoteSigner, NoteVerifier } from "./signed-note.js";

/** Test support for the checkpoint specs: fixed keys, trees, fake and foreign verifiers, openssl. */

export const logOrigin = "hutong.example/audit/prov:510000/sm3";
export const witnessName = "hutong.example/witness/mot";
const scalar = (byte: number) => new Uint8Array(32).fill(byte);
export const logKey = createSm2PrivateKey(scalar(0x0b));
export const witnessKey = createSm2PrivateKey(scalar(0x0c));
export const otherKey = createSm2PrivateKey(scalar(0x0d));

export const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/**
 * Characters for generated note text and names: ASCII, CJK, an astral emoji,
 * the em dash, and characters names must not contain (spaces of several kinds, "+", tab).
 */
/**
 * Strings of arbitrary code points, lone surrogates included. Built from
 * integers because fc.string({ unit: "binary" }) maps every code point up front
 * (about half a second per spec file).
 */
export const anyCodePoints = fc
  .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 40 })
  .map((cps) => String.fromCodePoint(...cps));

export const noteChars = [
  "a",
  "Z",
  "0",
  ".",
  "/",
  ":",
  "-",
  "=",
  "é",
  "中",
  "😀",
  "—",
  "+",
  " ",
  "\u00a0",
  "\u3000",
  "\t",
] as const;

/** Leaf hashes of a tree of `n` entries "<tag> <i>". Different tags give forked histories. */
export function leafHashes(n: number, tag = "entry"): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sm3Hasher.hashLeaf(utf8(`${tag} ${i}`)));
}

export function rootOf(leaves: readonly Uint8Array[]): Uint8Array {
  return treeRoot(sm3Hasher, leaves);
}

export function proofBetween(leaves: readonly Uint8Array[], size1: number): Uint8Array[] {
  return consistencyPath(sm3Hasher, leaves, size1);
}

/**
 * A fast stand-in algorithm (HMAC-SM3 keyed by a secret) for the note layer's
 * semantics and fuzzing, where the signature algorithm does not matter and SM2
 * under the pure-JS backend would make the specs slow.
 */
export function hmacNoteKey(
  name: string,
  keyId: number,
  secret: string,
): { signer: NoteSigner; verifier: NoteVerifier } {
  const mac = (text: Uint8Array) => new Uint8Array(createHmac("sm3", secret).update(text).digest());
  return {
    signer: { name, keyId, sign: mac },
    verifier: {
      name,
      keyId,
      verify: (text, signature) => signature.length === 32 && timingSafeEqual(mac(text), signature),
    },
  };
}

/**
 * An Ed25519 (type 0x01) verifier from a C2SP vkey, via node:crypto: only to
 * check our note parser against notes signed by other implementations.
 */
export function ed25519NoteVerifier(vkeyText: string): NoteVerifier {
  const [name, hex, b64] = vkeyText.split("+") as [string, string, string];
  const key = Buffer.from(b64, "base64");
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), key.subarray(1)]);
  const publicKey = createPublicKey({ key: spki, format: "der", type: "spki" });
  return {
    name,
    keyId: Number.parseInt(hex, 16),
    verify: (text, signature) => nodeVerify(null, text, publicKey, signature),
  };
}

export interface OpensslRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp directory with the openssl CLI run inside it; removed on dispose. */
export function opensslDir(): {
  file(name: string, content: string | Uint8Array): string;
  path(name: string): string;
  run(args: readonly string[]): OpensslRun;
  [Symbol.dispose](): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "hutong-checkpoint-"));
  return {
    file(name, content) {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    },
    path: (name) => join(dir, name),
    run(args) {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (r.error) throw r.error;
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}
