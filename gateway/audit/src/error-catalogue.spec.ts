import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes } from "@hutong/errors/testing";
import { checkpointErrorCodes } from "./checkpoint/checkpoint-error.js";
import { exportFileErrorCodes } from "./export/export-file.js";
import { merkleErrorCodes } from "./merkle/merkle-error.js";

const doc = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

describe("@hutong/audit error codes and their docs", () => {
  it("lists exactly the merkle and export-file codes in docs/errors.md", () => {
    assert.deepEqual(documentedCodes(doc("errors.md"), "### merkle").sort(), [...merkleErrorCodes].sort());
    assert.deepEqual(documentedCodes(doc("errors.md"), "### export-file").sort(), [...exportFileErrorCodes].sort());
  });

  it("lists exactly the checkpoint codes in docs/audit-checkpoints.md §7", () => {
    assert.deepEqual(
      documentedCodes(doc("audit-checkpoints.md"), "## 7. Errors").sort(),
      [...checkpointErrorCodes].sort(),
    );
  });
});
