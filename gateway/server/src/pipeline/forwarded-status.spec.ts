import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { SessionError } from "@hutong/session";
import { Status, type StatusCode, statusName, WireError } from "@hutong/wire";
import fc from "fast-check";
import { mapError } from "../gateway/status-mapping.js";
import { GatewayError } from "../gateway-error.js";
import { GrantServiceError } from "../grants/grant-service-error.js";
import { GrantsError } from "../grants/grants-error.js";
import { shareDenialReasons } from "../grants/index.js";
import { checkHops } from "../routing/hops.js";
import { readExchangeContext } from "../routing/request-context.js";
import { annotationUnavailableText } from "../share/share-step.js";
import { aclDenied } from "./call-authorizer.js";
import {
  backendText,
  type ForwardFacts,
  forwardedStatus,
  isForwardedStatus,
  peerText,
  relayableMessage,
} from "./forwarded-status.js";

const facts: ForwardFacts = {
  self: "mot",
  origin: "prov:510000/ticketing",
  method: "hutong.v1.TicketService/GetTicket",
  purpose: "TICKET_SERVICE",
  target: "prov:440000",
  hops: ["prov:510000"],
};
const id = "110105194912310021";
const phone = "13611112222";
const leaky = `lookup failed for holder ${id} tel ${phone}`;

/** What a gateway answering `e` sends (status-mapping.ts), as the next gateway's channel receives it. */
function asReceived(e: unknown): WireError {
  const { wire } = mapError(e);
  return new WireError(wire.code, wire.message, { trailers: { ...wire.trailers } });
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

describe("forwarded statuses: what crosses from behind a gateway", () => {
  it("a backend's words never cross: its status with a fixed text, and no trailer at all", () => {
    const cases: [StatusCode, string, Record<string, string>][] = [
      [Status.INTERNAL, leaky, {}],
      [Status.NOT_FOUND, `no ticket for ${id}`, { "x-holder": id }],
      [Status.PERMISSION_DENIED, "nope", { "hutong-denial": "grant-required", "hutong-error": "bad-ticket" }],
      [Status.UNAVAILABLE, "x".repeat(4 * 1024 * 1024), {}],
      [Status.UNKNOWN, `a\r\n{"level":"fatal","msg":"forged"}\u0000\u202e${phone}`, {}],
      [Status.UNAUTHENTICATED, "session: bad-ticket", { "hutong-error": "bad-ticket" }],
      [Status.NOT_FOUND, "no route to party prov:440000", {}],
    ];
    for (const [code, message, trailers] of cases) {
      const out = forwardedStatus(new WireError(code, message, { trailers }), "backend", facts);
      assert.equal(out.code, code);
      assert.equal(out.message, backendText(code));
      assert.deepEqual(out.trailers, {});
      assert.equal(out.droppedTrailers, Object.keys(trailers).length);
      assert.equal(out.relayedAsIs, false);
    }
    assert.equal(backendText(Status.NOT_FOUND), "the owner's system answered NOT_FOUND");
  });

  it("keeps the original only as its redacted description, out of every serialization", () => {
    const out = forwardedStatus(new WireError(Status.INTERNAL, leaky, { trailers: { "x-id": id } }), "backend", facts);
    const described = out.describeReceived();
    assert.equal(described.redacted, "lookup failed for holder [digits] tel [digits]");
    assert.equal(described.length, leaky.length);
    for (const text of [
      JSON.stringify(out),
      JSON.stringify({ ...out }),
      String(out),
      out.stack ?? "",
      JSON.stringify(described),
    ]) {
      assert.ok(!text.includes("1101051949") && !text.includes("1361111"), text);
    }
    assert.ok(isForwardedStatus(out));
    assert.equal(out.cause, undefined, "the received error is not kept as a cause either");
  });

  it("a peer's answers that this gateway's own status mapping writes cross a hop unchanged", () => {
    const call = {
      method: facts.method,
      origin: facts.origin,
      hops: facts.hops,
      context: { targetParty: facts.target, purpose: facts.purpose, grantId: "", correlationId: "" },
    };
    const ours: unknown[] = [
      aclDenied(call as Parameters<typeof aclDenied>[0]),
      new GatewayError("unknown-party", `no route to party ${facts.target}`),
      new GatewayError("share-denied", "share refused: grant-required", { denial: "grant-required" }),
      new GatewayError("audit-unavailable", "the audit log cannot record this share; nothing was released"),
      new GatewayError("annotation-unavailable", annotationUnavailableText),
      new GatewayError("target-unavailable", `route "prov:440000 via prov:440000" is unavailable`),
      new GatewayError("overloaded", `route "prov:* local" is overloaded`),
      thrown(() => checkHops([...facts.hops, facts.self, "prov:440000"], "prov:440000", 8)),
      thrown(() => checkHops([...facts.hops, facts.self], "prov:440000", 2)),
      thrown(() => readExchangeContext(Buffer.from([0xff]))),
      thrown(() => readExchangeContext(Buffer.alloc(0))),
      new GrantServiceError(
        "permission-denied",
        `${facts.origin} may not read grant g1-427e820e0378fb3134b0a9b91f051a8e`,
      ),
      new GrantServiceError("revoked", "grant g1-427e820e0378fb3134b0a9b91f051a8e is revoked"),
      new GrantServiceError("not-found", "grant g1-427e820e0378fb3134b0a9b91f051a8e is not registered here"),
      new Error("a bug"),
    ];
    for (const e of ours) {
      const received = asReceived(e);
      const out = forwardedStatus(received, "peer", facts);
      assert.equal(out.message, received.message, `${received.message} should cross unchanged`);
      assert.equal(out.code, received.code);
      assert.deepEqual(out.trailers, received.trailers);
      assert.equal(out.relayedAsIs, true);
    }
    // Relayed again by the gateway before: the fixed texts are in the closed set too.
    for (const text of [backendText(Status.NOT_FOUND), peerText(Status.INTERNAL)]) {
      assert.equal(relayableMessage(text, facts), text);
    }
  });

  it("relays a grants refusal's code and drops its detail", () => {
    const received = asReceived(new GrantsError("untrusted-signer", `holder ${id}: certificate revoked`));
    assert.match(received.message, /^grant refused \(untrusted-signer\): /);
    const out = forwardedStatus(received, "peer", facts);
    assert.equal(out.message, "grant refused (untrusted-signer)");
    assert.equal(out.code, Status.PERMISSION_DENIED);
    assert.equal(relayableMessage("grant refused (made-up): x", facts), undefined);
  });

  it("never relays a session failure: it is about the session between two gateways, not the caller's", () => {
    const received = asReceived(new SessionError("bad-ticket", "m"));
    const out = forwardedStatus(received, "peer", facts);
    assert.equal(out.code, Status.UNAUTHENTICATED);
    assert.equal(out.message, peerText(Status.UNAUTHENTICATED));
    assert.deepEqual(out.trailers, {}, "no hutong-error: the caller's SDK would drop a healthy session");
  });

  it("replaces a peer's message that names anything but the call's own facts, and unknown trailers", () => {
    const replaced = [
      `ACL: prov:440000/other may not call ${facts.method} for ${facts.purpose}`,
      `ACL: ${facts.origin} may not call ${facts.method} for ${facts.purpose} (holder ${id})`,
      "no route to party prov:650000",
      "share refused: 110105194912310021",
      "grant g1-zzz is revoked",
      `${facts.origin} may not read grant ${id}`,
      `route "${id} via mot" is unavailable`,
      `route "prov:440000 via prov:440000/${phone}" is unavailable`,
      `route "prov:650000 via mot" is unavailable`,
      `routing loop: mot already on path prov:999999,mot`,
      "session: replay",
      leaky,
      "",
    ];
    for (const message of replaced) {
      const out = forwardedStatus(
        new WireError(Status.PERMISSION_DENIED, message, {
          trailers: { "hutong-denial": id, "hutong-error": "replay", "x-debug": phone },
        }),
        "peer",
        facts,
      );
      assert.equal(out.message, peerText(Status.PERMISSION_DENIED), message);
      assert.deepEqual(out.trailers, {});
      assert.equal(out.droppedTrailers, 3);
    }
  });

  it("passes hutong-denial from a peer only with a reason of the closed set", () => {
    for (const reason of shareDenialReasons) {
      const out = forwardedStatus(
        new WireError(Status.PERMISSION_DENIED, `share refused: ${reason}`, { trailers: { "hutong-denial": reason } }),
        "peer",
        facts,
      );
      assert.deepEqual(out.trailers, { "hutong-denial": reason });
    }
  });

  it("property: whatever a backend or peer says, no planted ID or phone reaches the caller", () => {
    const code = fc.constantFrom(...(Object.values(Status) as StatusCode[]));
    const text = fc.string({ unit: "grapheme", maxLength: 60 });
    fc.assert(
      fc.property(code, text, text, fc.boolean(), (c, before, after, fromPeer) => {
        const message = `${before}${id}${after}${phone}`;
        const out = forwardedStatus(
          new WireError(c, message, { trailers: { "hutong-denial": message, k: message } }),
          fromPeer ? "peer" : "backend",
          facts,
        );
        const sent = JSON.stringify([out.message, out.trailers]);
        assert.ok(!sent.includes(id) && !sent.includes(phone), sent);
      }),
      { numRuns: 300 },
    );
  });

  it("says in docs/errors.md what a caller gets in place of a backend's or peer's words", () => {
    const doc = readFileSync(new URL("../../../../docs/errors.md", import.meta.url), "utf8");
    const section = doc.slice(doc.indexOf("## What crosses from behind a gateway"), doc.indexOf("## Codes by domain"));
    for (const text of [backendText(Status.NOT_FOUND), peerText(Status.NOT_FOUND)]) {
      assert.ok(section.includes(`\`${text.replace(statusName(Status.NOT_FOUND), "<STATUS>")}\``), text);
    }
  });
});
