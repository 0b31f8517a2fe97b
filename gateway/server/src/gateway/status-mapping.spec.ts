import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { CodedError } from "@hutong/errors";
import { documentedCodes } from "@hutong/errors/testing";
import { SessionError } from "@hutong/session";
import { Status, statusName, WireError } from "@hutong/wire";
import { AuditError, auditErrorCodes } from "../audit/audit-error.js";
import { ConfigError, configErrorCodes } from "../config/config-error.js";
import { GatewayError, gatewayErrorCodes } from "../gateway-error.js";
import { GrantServiceError, grantServiceErrorCodes } from "../grants/grant-service-error.js";
import { GrantsError, grantsErrorCodes } from "../grants/grants-error.js";
import { OutboxError, outboxErrorCodes } from "../outbox/outbox-error.js";
import { RoutingError, routingErrorCodes } from "../routing/routing-error.js";
import { StoreError, storeErrorCodes } from "../store/port/store-error.js";
import { mapError } from "./status-mapping.js";

const docPath = fileURLToPath(new URL("../../../../docs/errors.md", import.meta.url));

/** Each server domain: its codes and how to make an error of each. */
const domains: readonly [string, readonly string[], (code: string) => CodedError][] = [
  ["gateway", gatewayErrorCodes, (c) => new GatewayError(c as never, "m")],
  ["routing", routingErrorCodes, (c) => new RoutingError(c as never, "m")],
  ["audit", auditErrorCodes, (c) => new AuditError(c as never, "m")],
  ["grants", grantsErrorCodes, (c) => new GrantsError(c as never, "m")],
  ["grant-service", grantServiceErrorCodes, (c) => new GrantServiceError(c as never, "m")],
  ["outbox", outboxErrorCodes, (c) => new OutboxError(c as never, "m")],
  ["store", storeErrorCodes, (c) => new StoreError(c as never, "m")],
  ["config", configErrorCodes, (c) => new ConfigError(c as never, "m")],
];

/** The status column of one domain's table in docs/errors.md, by code. */
function documentedStatuses(domain: string): Map<string, string> {
  const doc = readFileSync(docPath, "utf8");
  const section = doc.slice(doc.indexOf(`### ${domain}\n`));
  const end = section.indexOf("\n### ", 1);
  const rows = (end < 0 ? section : section.slice(0, end)).matchAll(/^\| `([a-z0-9-]+)`\s*\| ([A-Z_]+)\s*\|/gm);
  return new Map([...rows].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

describe("the error catalogue (docs/errors.md) and the status mapping", () => {
  for (const [domain, codes, make] of domains) {
    it(`lists exactly the ${domain} codes, each with the status mapError gives it`, () => {
      assert.deepEqual(documentedCodes(docPath, `### ${domain}`).sort(), [...codes].sort());
      const statuses = documentedStatuses(domain);
      for (const code of codes) {
        const mapped = mapError(make(code));
        assert.equal(statusName(mapped.wire.code), statuses.get(code), `${domain}/${code}`);
        if (mapped.wire.code === Status.INTERNAL) {
          assert.equal(mapped.wire.message, "internal error", `${domain}/${code} must not leak its message`);
          assert.equal(mapped.reason, "internal");
        } else assert.equal(mapped.reason, `${domain}/${code}`);
      }
    });
  }

  it("answers a session error with the protocol's status, its code only, and the hutong-error trailer", () => {
    const mapped = mapError(new SessionError("replay", "nonce 00ff seen at 12:00 from 10.0.0.7"));
    assert.equal(mapped.wire.code, Status.UNAUTHENTICATED);
    assert.equal(mapped.wire.message, "session: replay");
    assert.deepEqual(mapped.wire.trailers, { "hutong-error": "replay" });
    assert.equal(mapped.reason, "session/replay");
  });

  it("puts a share denial's reason in a trailer and in the reason", () => {
    const mapped = mapError(new GatewayError("share-denied", "share refused: no-grant", { denial: "no-grant" }));
    assert.equal(mapped.wire.code, Status.PERMISSION_DENIED);
    assert.deepEqual(mapped.wire.trailers, { "hutong-denial": "no-grant" });
    assert.equal(mapped.reason, "share/no-grant");
  });

  it("gives a witness refusal its size", () => {
    const mapped = mapError(new AuditError("fork", "forked", { witnessSize: 7 }));
    assert.equal(mapped.wire.code, Status.ABORTED);
    assert.deepEqual(mapped.wire.trailers, { "hutong-witness-size": "7" });
  });

  it("prefixes a grants message so a caller knows which check failed", () => {
    const mapped = mapError(new GrantsError("bad-signature", "signature does not verify"));
    assert.equal(mapped.wire.message, "grant refused (bad-signature): signature does not verify");
  });

  it("passes a peer's WireError through and hides anything else", () => {
    const peer = new WireError(Status.NOT_FOUND, "no such ticket");
    assert.equal(mapError(peer).wire, peer);
    assert.equal(mapError(peer).reason, "wire/5");
    const bug = new TypeError("cannot read properties of undefined (reading 'idNo')");
    const mapped = mapError(bug);
    assert.equal(mapped.wire.code, Status.INTERNAL);
    assert.equal(mapped.wire.message, "internal error");
    assert.equal(mapped.internal, bug);
  });
});
