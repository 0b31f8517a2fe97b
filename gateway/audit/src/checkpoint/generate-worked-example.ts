import { createSm2PrivateKey } from "@hutong/certs";
import { sm3Hasher, treeRoot } from "../merkle/index.js";
import { signCheckpoint } from "./checkpoint.js";
import { cosignCheckpoint, createCosignatureSigner } from "./cosignature.js";
import { createNoteSigner } from "./note-key.js";
import { formatAddCheckpointRequest } from "./witness.js";
import { computeWorkedExample, workedExampleInputs as i } from "./worked-example.js";

/**
 * Prints the worked-example blocks of docs/audit-checkpoints.md (run by hand:
 * `node --conditions=hutong-source --import tsx gateway/audit/src/checkpoint/generate-worked-example.ts`).
 * The SM2 signatures are randomized, so a rerun changes the signed blocks; paste
 * them all into the doc together.
 */
const scalar = (byte: number) => new Uint8Array(32).fill(byte);
const leaves = Array.from({ length: i.entries }, (_, n) => sm3Hasher.hashLeaf(Buffer.from(`entry ${n}`)));
const root = treeRoot(sm3Hasher, leaves);
const note = signCheckpoint(createNoteSigner(i.origin, createSm2PrivateKey(scalar(i.logScalarByte))), {
  origin: i.origin,
  size: i.entries,
  root,
});
const witness = createCosignatureSigner(i.witnessName, createSm2PrivateKey(scalar(i.witnessScalarByte)));
const cosignature = cosignCheckpoint(witness, note, i.cosignatureTime * 1000);
const derived = computeWorkedExample();
const proof = (derived["consistency-proof"] ?? "").split("\n").map((b) => new Uint8Array(Buffer.from(b, "base64")));

/** The bytes behind the base64 of a note's last signature line, in hex. */
function payloadHex(text: string): string {
  const lastLine = text.trimEnd().split("\n").at(-1) ?? "";
  return Buffer.from(lastLine.slice(lastLine.lastIndexOf(" ") + 1), "base64").toString("hex");
}

const blocks: Record<string, string> = {
  ...derived,
  "signed-checkpoint": note,
  "log-signature-payload": payloadHex(note),
  "cosignature-line": cosignature,
  "cosignature-payload": payloadHex(cosignature),
  "cosigned-checkpoint": note + cosignature,
  "add-checkpoint-request": formatAddCheckpointRequest({ oldSize: i.oldSize, proof, checkpointNote: note }),
};
for (const [name, value] of Object.entries(blocks)) {
  const text = value.endsWith("\n") ? value : `${value}\n`;
  process.stdout.write(`<!-- worked-example: ${name} -->\n\`\`\`text\n${text}\`\`\`\n\n`);
}
