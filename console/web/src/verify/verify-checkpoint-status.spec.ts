import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckpointStatus } from "../../../src/api/api-types.js";
import { buildLog, flipBit, logVkey, otherVkey } from "./testing-audit-log.js";
import { verifyCheckpointStatus } from "./verify-checkpoint-status.js";

describe("verifyCheckpointStatus (the federation card's own check)", () => {
  const log = buildLog(5);
  const [, , rootB64] = log.checkpoint.split("\n") as [string, string, string];
  const status: CheckpointStatus = {
    origin: "hutong.example/audit/prov:510000/sm3",
    size: 5,
    rootHashHex: Buffer.from(rootB64, "base64").toString("hex"),
    note: log.checkpoint,
    logKey: logVkey,
    logSignatureValid: true,
    cosigners: [],
  };

  it("finds the log signature valid, with the key id", () => {
    const result = verifyCheckpointStatus(status, status.logKey);
    assert.ok(result.ok, result.detail);
    assert.equal(result.keyIdHex, logVkey.split("+")[1]);
  });

  it("finds it invalid under another key, or with a flipped signature bit, whatever the server says", () => {
    assert.equal(verifyCheckpointStatus(status, otherVkey).reason, "unverified");
    const [body, line] = log.checkpoint.split("\n\n") as [string, string];
    const payload = line.trimEnd().split(" ").at(-1) as string;
    const note = `${body}\n\n${line.replace(payload, flipBit(payload, 100))}`;
    assert.equal(verifyCheckpointStatus({ ...status, note }, logVkey).reason, "bad-signature");
  });

  it("refuses a size, root or origin shown beside the note that is not the signed one", () => {
    for (const change of [{ size: 6 }, { rootHashHex: "00".repeat(32) }, { origin: "x/sm3" }]) {
      assert.equal(verifyCheckpointStatus({ ...status, ...change }, logVkey).reason, "served-checkpoint-mismatch");
    }
  });
});
