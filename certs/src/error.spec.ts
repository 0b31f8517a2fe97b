import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { certsErrorCodes } from "./error.js";

describe("error catalog", () => {
  it("documents every CertsError code in docs/pki-profile.md, and no others", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../docs/pki-profile.md", import.meta.url)), "utf8");
    const table = doc.slice(doc.indexOf("### Error codes"), doc.indexOf("## Interoperability"));
    const documented = [...table.matchAll(/^\| `([a-z-]+)`\s*\|/gm)].map((m) => m[1]);
    assert.deepEqual([...documented].sort(), [...certsErrorCodes].sort());
  });
});
