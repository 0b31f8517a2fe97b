import { createSm2PrivateKey, sm2Za } from "@hutong/certs";
import { consistencyPath, sm3Hasher, treeRoot } from "../merkle/index.js";
import { formatCheckpoint } from "./checkpoint.js";
import { cosignatureMessage } from "./cosignature.js";
import { formatVerifierKey, sm2CosignatureKeyIdentifier, sm2KeyMaterial, sm2NoteKeyIdentifier } from "./note-key.js";

/**
 * The deterministic half of the worked example in docs/audit-checkpoints.md,
 * recomputed from its fixed inputs. SM2 signatures use a random k, so the
 * signed note and the cosignature are produced once (generate-worked-example.ts)
 * and the spec checks that they verify, not that they repeat.
 */
export const workedExampleInputs = {
  origin: "hutong.example/audit/prov:510000/sm3",
  witnessName: "hutong.example/witness/mot",
  /** Private scalars: 32 bytes of 0x0b (log) and 0x0c (witness). */
  logScalarByte: 0x0b,
  witnessScalarByte: 0x0c,
  /** Leaf i is the ASCII bytes `entry i`. */
  entries: 7,
  oldSize: 3,
  /** 2026-06-01T00:00:00Z in unix seconds. */
  cosignatureTime: 1_780_272_000,
} as const;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const scalar = (byte: number) => new Uint8Array(32).fill(byte);

export function computeWorkedExample(): Record<string, string> {
  const i = workedExampleInputs;
  const logKey = createSm2PrivateKey(scalar(i.logScalarByte));
  const witnessKey = createSm2PrivateKey(scalar(i.witnessScalarByte));
  const leaves = Array.from({ length: i.entries }, (_, n) => sm3Hasher.hashLeaf(Buffer.from(`entry ${n}`)));
  const root = treeRoot(sm3Hasher, leaves);
  const body = formatCheckpoint({ origin: i.origin, size: i.entries, root });
  const keyIdInput = Buffer.concat([
    Buffer.from(i.origin),
    Buffer.from([0x0a]),
    sm2KeyMaterial(sm2NoteKeyIdentifier, logKey.publicKey),
  ]);
  return {
    "log-public-key": hex(logKey.publicKey.point),
    "log-key-id-input": hex(keyIdInput),
    "log-vkey": formatVerifierKey(i.origin, logKey.publicKey),
    "log-za": hex(sm2Za(logKey.publicKey)),
    "witness-public-key": hex(witnessKey.publicKey.point),
    "witness-vkey": formatVerifierKey(i.witnessName, witnessKey.publicKey, sm2CosignatureKeyIdentifier),
    "leaf-hashes": leaves.map(hex).join("\n"),
    "old-root": hex(treeRoot(sm3Hasher, leaves.slice(0, i.oldSize))),
    "checkpoint-body": body,
    "consistency-proof": consistencyPath(sm3Hasher, leaves, i.oldSize)
      .map((h) => Buffer.from(h).toString("base64"))
      .join("\n"),
    "cosignature-message": Buffer.from(cosignatureMessage(body, i.cosignatureTime)).toString("utf8"),
  };
}
