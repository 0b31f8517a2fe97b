// Realistic audit entries for bench:audit: ~300 bytes of opaque entry (standing
// for a protobuf AuditEntry: parties, certificate serial, record kind and id
// digest, subject digest, grant id, purpose, decision, hops, release digest,
// trace id) plus the index columns copied out of it. Generated once into a pool
// so the load generator spends no time on them.
import { randomBytes } from "node:crypto";
import type { AuditEntryInput } from "../src/store/index.js";

const parties = ["prov:510000", "prov:440000", "prov:110000", "mot", "rail:cr", "air:caac", "tax:chinatax"];

function field(tag: number, value: Uint8Array): Uint8Array {
  // protobuf-like: tag byte, length byte, value (every value here is < 128 bytes).
  const out = new Uint8Array(2 + value.length);
  out[0] = (tag << 3) | 2;
  out[1] = value.length;
  out.set(value, 2);
  return out;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));

export function realisticEntry(i: number): AuditEntryInput {
  const requester = parties[i % parties.length] as string;
  const owner = parties[(i * 3 + 1) % parties.length] as string;
  const subjectDigest = new Uint8Array(randomBytes(32));
  const grantId = i % 5 === 4 ? null : `grant-${randomBytes(12).toString("hex")}`;
  const deny = i % 17 === 0;
  const traceId = randomBytes(16).toString("hex");
  const correlationId = `corr-${randomBytes(8).toString("hex")}`;
  const timeMs = 1_760_000_000_000 + i;
  const parts = [
    field(1, utf8(String(timeMs))),
    field(2, utf8(requester)),
    field(3, new Uint8Array(randomBytes(16))), // requester certificate serial
    field(4, utf8(owner)),
    field(5, utf8("road.passenger.eticket")),
    field(6, new Uint8Array(randomBytes(32))), // record id digest
    field(7, subjectDigest),
    field(8, utf8(grantId ?? "")),
    field(9, utf8("BOARDING_CHECK")),
    field(10, utf8(deny ? "DENY acl-denied" : "ALLOW")),
    field(11, utf8(`${requester},mot,${owner}`)),
    field(12, new Uint8Array(randomBytes(32))), // digest of the released bytes
    field(13, utf8(traceId)),
    field(14, utf8(correlationId)),
  ];
  const bytes = new Uint8Array(Buffer.concat(parts));
  return {
    bytes,
    timeMs,
    requesterParty: requester,
    ownerParty: owner,
    subjectDigest,
    grantId,
    decision: deny ? "deny" : "allow",
    reason: deny ? "acl-denied" : null,
    correlationId,
    traceId,
  };
}

export function entryPool(size: number): readonly AuditEntryInput[] {
  return Array.from({ length: size }, (_, i) => realisticEntry(i));
}
