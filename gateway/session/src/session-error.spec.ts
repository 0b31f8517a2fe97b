import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { grpcStatus, SessionError, sessionErrorCodes, sessionErrorToGrpcStatus } from "./session-error.js";

describe("session errors", () => {
  const doc = readFileSync(fileURLToPath(new URL("../../../docs/session-protocol.md", import.meta.url)), "utf8");
  const table = doc.slice(doc.indexOf("### Error codes"), doc.indexOf("### Limits"));

  it("documents every code, with the status the mapping gives, and no others", () => {
    const rows = [...table.matchAll(/^\| `([a-z-]+)` +\| [A-Z_]+ \((\d+)\) +\|/gm)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(rows.map((r) => r[0]).sort(), [...sessionErrorCodes].sort());
    for (const [code, status] of rows) {
      assert.equal(sessionErrorToGrpcStatus(code as (typeof sessionErrorCodes)[number]), status, String(code));
    }
  });

  it("maps identity failures to UNAUTHENTICATED", () => {
    assert.equal(sessionErrorToGrpcStatus("bad-mac"), grpcStatus.unauthenticated);
    assert.equal(sessionErrorToGrpcStatus("malformed"), grpcStatus.invalidArgument);
    assert.equal(sessionErrorToGrpcStatus("unsupported-version"), grpcStatus.failedPrecondition);
    const e = new SessionError("bad-certificate", "x", { certsCode: "untrusted" });
    assert.equal(e.certsCode, "untrusted");
  });
});
