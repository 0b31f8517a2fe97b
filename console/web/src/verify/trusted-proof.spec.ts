import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatVerifierKey } from "@hutong/audit";
import type { CheckpointStatus } from "../../../src/api/api-types.js";
import { type LogPin, type LogPins, parseLogPin } from "./log-pin.js";
import { buildLog, gateway, gatewayOrigin, logKey, otherKey } from "./testing-audit-log.js";
import { verifyEntryProofTrusted, verifyGatewayCheckpoint } from "./trusted-proof.js";

function pinOf(party: string, vkey: string): LogPin {
  const parsed = parseLogPin(party, vkey, "pasted");
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.detail);
  return parsed.pin;
}

const realVkey = formatVerifierKey(gatewayOrigin, logKey.publicKey);
const forgedVkey = formatVerifierKey(gatewayOrigin, otherKey.publicKey);
const noPins: LogPins = new Map();
const pinned: LogPins = new Map([[gateway, pinOf(gateway, realVkey)]]);

/** The real log of prov:510000, signed by its key, as an honest console serves it. */
const log = buildLog(7, logKey, { origin: gatewayOrigin });
/** A hostile console's invention: entries it made up, in a log it signed with a key of its own. */
const forged = buildLog(7, otherKey, { origin: gatewayOrigin, servedKey: otherKey });

function viewAt(l: typeof log, i: number) {
  const v = l.views[i];
  assert.ok(v !== undefined, `no entry ${i}`);
  return v;
}

const check = (l: typeof log, i: number, pins: LogPins) => verifyEntryProofTrusted(viewAt(l, i), l.proof(i), pins);

describe("verifyEntryProofTrusted: verified only under a pinned key", () => {
  it("says verified for a real entry under the pinned key", () => {
    const result = check(log, 3, pinned);
    assert.equal(result.state, "verified", result.result.detail);
    assert.equal(result.state === "verified" && result.pin.party, gateway);
  });

  it("says server-key, not verified, for the same entry with no pin", () => {
    assert.equal(check(log, 3, noPins).state, "server-key");
  });

  it("says server-key for an entry a hostile console invented, and refuses it under the pin", () => {
    assert.equal(check(forged, 2, noPins).state, "server-key");
    const result = check(forged, 2, pinned);
    assert.equal(result.state, "refused");
    assert.equal(result.result.reason, "unverified");
  });

  it("never falls back to the server's key when a pinned key does not verify (a wrong key pasted)", () => {
    const wrong: LogPins = new Map([[gateway, pinOf(gateway, forgedVkey)]]);
    const result = check(log, 3, wrong);
    assert.equal(result.state, "refused");
    assert.equal(result.result.reason, "unverified");
  });

  it("refuses under a pin bound to another party (wrong party)", () => {
    // A pin of prov:440000's log key filed under prov:510000: it cannot vouch for prov:510000.
    const theirs = pinOf("prov:440000", formatVerifierKey("hutong/prov:440000/audit/sm3", logKey.publicKey));
    const result = check(log, 3, new Map([[gateway, theirs]]));
    assert.equal(result.state, "refused");
    // The key's name is the other party's origin: the checkpoint's origin is not it.
    assert.equal(result.result.reason, "wrong-origin");
    // Even a log signed under that party's origin, for entries of this gateway, is refused.
    const relabelled = buildLog(7, logKey, { origin: "hutong/prov:440000/audit/sm3" });
    const r2 = check(relabelled, 3, new Map([[gateway, theirs]]));
    assert.equal(r2.state, "refused");
    assert.equal(r2.result.reason, "pin-wrong-party");
  });

  it("refuses under a pin whose origin is not the checkpoint's (wrong origin)", () => {
    // A pin whose recorded origin was altered: the key's name no longer binds.
    const altered: LogPin = { ...pinOf(gateway, realVkey), origin: "hutong/prov:510000/licence/audit/sm3" };
    const result = check(log, 3, new Map([[gateway, altered]]));
    assert.equal(result.state, "refused");
    assert.equal(result.result.reason, "wrong-origin");
    // The right key, but the log's origin is another name for it (the docs' example form).
    const otherOrigin = buildLog(7, logKey);
    const r2 = check(otherOrigin, 3, pinned);
    assert.equal(r2.state, "refused");
    assert.equal(r2.result.reason, "wrong-origin");
  });

  it("refuses a lookalike gateway name instead of falling back to the server's key", () => {
    for (const lookalike of ["prov:510000\u200b", "prov\uff1a510000", "pr\u043ev:510000", "constructor"]) {
      const l = buildLog(5, otherKey, { origin: gatewayOrigin, gateway: lookalike, servedKey: otherKey });
      for (const pins of [noPins, pinned]) {
        const result = check(l, 1, pins);
        assert.equal(result.state, "refused", JSON.stringify(lookalike));
        assert.equal(result.result.reason, "bad-gateway-name");
      }
    }
  });

  it("refuses a failing proof with no pin as well", () => {
    const p = log.proof(3);
    const result = verifyEntryProofTrusted(viewAt(log, 4), p, noPins);
    assert.equal(result.state, "refused");
    assert.equal(result.result.reason, "index-mismatch");
  });
});

describe("verifyGatewayCheckpoint: the federation card's check, under the pins", () => {
  const status = (l: typeof log, served: string): CheckpointStatus => {
    const [originLine = "", size = "0", rootB64 = ""] = l.checkpoint.split("\n");
    return {
      origin: originLine,
      size: Number(size),
      rootHashHex: Buffer.from(rootB64, "base64").toString("hex"),
      note: l.checkpoint,
      logKey: served,
      logSignatureValid: true,
      cosigners: [],
    };
  };

  it("valid under the pin, server-key without one, invalid for a forged log under the pin", () => {
    assert.equal(verifyGatewayCheckpoint(gateway, status(log, realVkey), pinned).state, "valid");
    assert.equal(verifyGatewayCheckpoint(gateway, status(log, realVkey), noPins).state, "server-key");
    assert.equal(verifyGatewayCheckpoint(gateway, status(forged, forgedVkey), noPins).state, "server-key");
    const bad = verifyGatewayCheckpoint(gateway, status(forged, forgedVkey), pinned);
    assert.equal(bad.state, "invalid");
    assert.equal(bad.check.ok, false);
  });

  it("invalid when it fails under the server's key, under another party's pin, or for a lookalike name", () => {
    assert.equal(verifyGatewayCheckpoint(gateway, status(log, forgedVkey), noPins).state, "invalid");
    const theirs = pinOf("prov:440000", formatVerifierKey("hutong/prov:440000/audit/sm3", logKey.publicKey));
    const relabelled = buildLog(7, logKey, { origin: "hutong/prov:440000/audit/sm3" });
    const wrongParty = verifyGatewayCheckpoint(gateway, status(relabelled, realVkey), new Map([[gateway, theirs]]));
    assert.equal(wrongParty.state, "invalid");
    assert.equal(!wrongParty.check.ok && wrongParty.check.reason, "pin-wrong-party");
    const lookalike = verifyGatewayCheckpoint("prov:510000\u200b", status(log, realVkey), noPins);
    assert.equal(lookalike.state, "invalid");
    assert.equal(!lookalike.check.ok && lookalike.check.reason, "bad-gateway-name");
  });
});
