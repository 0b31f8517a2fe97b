import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes } from "@hutong/errors/testing";
import { isSessionError, SessionError, sessionErrorCodes, sessionErrorStatus } from "./session-error.js";

const doc = fileURLToPath(new URL("../../../docs/session-protocol.md", import.meta.url));

describe("session errors", () => {
  it("documents every code, with the status the protocol gives it, and no others", () => {
    assert.deepEqual(documentedCodes(doc, "### Error codes").sort(), [...sessionErrorCodes].sort());
    const rows = readFileSync(doc, "utf8").matchAll(/^\| `([a-z-]+)` +\| ([A-Z_]+) \(\d+\) +\|/gm);
    for (const [, code, status] of rows) {
      assert.equal(sessionErrorStatus[code as (typeof sessionErrorCodes)[number]], status, String(code));
    }
  });

  it("answers identity failures with UNAUTHENTICATED, shape errors with what a client can fix", () => {
    assert.equal(sessionErrorStatus["bad-mac"], "UNAUTHENTICATED");
    assert.equal(sessionErrorStatus.malformed, "INVALID_ARGUMENT");
    assert.equal(sessionErrorStatus["unsupported-version"], "FAILED_PRECONDITION");
    assert.equal(sessionErrorStatus["replay-window-full"], "UNAVAILABLE");
  });

  it("keeps the CertsError code behind a certificate failure", () => {
    const e = new SessionError("bad-certificate", "x", { certsCode: "untrusted" });
    assert.equal(e.certsCode, "untrusted");
    assert.equal(e.domain, "session");
    assert.ok(isSessionError(e, "bad-certificate"));
  });
});
