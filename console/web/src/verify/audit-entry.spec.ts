import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { AuditEntry } from "@hutong/proto";
import { decodeAuditEntry } from "./audit-entry.js";
import { formatTimestamp, servedEntryDifferences } from "./served-entry.js";
import { encodeEntry, entryFields, viewOf } from "./testing-audit-log.js";
import { isVerifyFailure } from "./verify-failure.js";

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isVerifyFailure(e)) return e.reason;
    throw e;
  }
  return "none";
};

/** A field's tag and a varint, for hand-built messages. */
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wire: number) => varint(BigInt(field * 8 + wire));
const str = (field: number, s: string) => {
  const b = [...new TextEncoder().encode(s)];
  return [...tag(field, 2), ...varint(BigInt(b.length)), ...b];
};

describe("decodeAuditEntry (the page's protobuf reader for hutong.v1.AuditEntry)", () => {
  it("decodes what ts-proto encodes, and the backend's view of it matches", () => {
    for (let i = 0; i < 12; i++) {
      const bytes = encodeEntry(entryFields(i));
      const ours = decodeAuditEntry(bytes);
      const theirs = AuditEntry.decode(bytes);
      assert.equal(ours.version, theirs.version);
      assert.equal(ours.method, theirs.method);
      assert.deepEqual(ours.hops, theirs.hops);
      assert.deepEqual(ours.fieldsReleased, theirs.fieldsReleased);
      assert.equal(ours.peerCertSerial, theirs.peerCertSerial);
      assert.equal(formatTimestamp(ours.time), theirs.time?.toISOString());
      assert.deepEqual(servedEntryDifferences(viewOf(i, bytes), ours), []);
    }
  });

  it("reads an empty message as all defaults", () => {
    const e = decodeAuditEntry(new Uint8Array(0));
    assert.equal(e.time, undefined);
    assert.equal(e.role, 0);
    assert.deepEqual(e.hops, []);
  });

  it("refuses the entry cut at every byte (truncated input), unless the cut falls between fields", () => {
    const bytes = encodeEntry(entryFields(2));
    const boundaries = new Set<number>();
    // Field boundaries: where a prefix still decodes under ts-proto's reader too.
    for (let n = 0; n < bytes.length; n++) {
      const prefix = bytes.subarray(0, n);
      let theirs = true;
      try {
        AuditEntry.decode(prefix);
      } catch {
        theirs = false;
      }
      const ours = reason(() => decodeAuditEntry(prefix));
      if (theirs) boundaries.add(n);
      assert.equal(ours === "none", theirs, `prefix of ${n} bytes`);
      if (!theirs) assert.equal(ours, "malformed-entry");
    }
    assert.ok(boundaries.size > 10 && boundaries.size < bytes.length / 2);
  });

  it("skips unknown fields of every wire type, groups included, and keeps the known ones", () => {
    const bytes = Uint8Array.from([
      ...str(5, "m"),
      ...tag(99, 0),
      ...varint(300n),
      ...tag(98, 1),
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...tag(97, 5),
      ...[1, 2, 3, 4],
      ...str(96, "unknown"),
      ...tag(95, 3),
      ...tag(1, 0),
      ...varint(5n),
      ...tag(95, 4),
      ...str(21, "corr"),
    ]);
    const e = decodeAuditEntry(bytes);
    assert.equal(e.method, "m");
    assert.equal(e.correlationId, "corr");
    assert.equal(AuditEntry.decode(bytes).correlationId, "corr");
  });

  it("treats a known field with another wire type as unknown, as ts-proto does", () => {
    const bytes = Uint8Array.from([...tag(5, 0), ...varint(7n), ...str(6, "req"), ...tag(15, 2), 0]);
    const e = decodeAuditEntry(bytes);
    const theirs = AuditEntry.decode(bytes);
    assert.equal(e.method, theirs.method);
    assert.equal(e.requesterParty, theirs.requesterParty);
    assert.equal(e.decision, theirs.decision);
  });

  it("keeps the last value of a repeated singular field, accumulates repeated ones, merges the timestamp", () => {
    const ts = (field: number, value: number) => [...tag(field, 0), ...varint(BigInt(value))];
    const time1 = [...ts(1, 100), ...ts(2, 5)];
    const time2 = [...ts(1, 200)];
    const bytes = Uint8Array.from([
      ...str(5, "first"),
      ...str(5, "second"),
      ...str(17, "a"),
      ...str(17, "b"),
      ...tag(2, 2),
      time1.length,
      ...time1,
      ...tag(2, 2),
      time2.length,
      ...time2,
    ]);
    const e = decodeAuditEntry(bytes);
    assert.equal(e.method, "second");
    assert.deepEqual(e.hops, ["a", "b"]);
    assert.deepEqual(e.time, { seconds: 200n, nanos: 5 });
  });

  it("reads negative and out-of-range enum values as int32, as protobuf does", () => {
    const bytes = Uint8Array.from([...tag(14, 0), ...varint(-1n), ...tag(4, 0), ...varint(2n ** 32n + 1n)]);
    const e = decodeAuditEntry(bytes);
    assert.equal(e.purpose, -1);
    assert.equal(e.role, 1);
  });

  it("refuses malformed input: bad UTF-8, field 0, wire types 6 and 7, overlong varints, lengths past the end", () => {
    const cases = [
      [...tag(5, 2), 2, 0xc3, 0x28],
      [0x00, 0x01],
      [...tag(5, 6)],
      [...tag(5, 7)],
      [...tag(1, 0), ...Array(10).fill(0xff), 0x01],
      [...tag(1, 0), ...Array(9).fill(0xff), 0x02],
      [...tag(5, 2), 5, 0x61],
      [...tag(95, 3), ...tag(1, 0), 1],
      [...tag(95, 4)],
      [...tag(95, 3), ...tag(94, 4)],
    ];
    for (const c of cases)
      assert.equal(
        reason(() => decodeAuditEntry(Uint8Array.from(c))),
        "malformed-entry",
        String(c),
      );
  });

  it("never throws anything but a VerifyFailure on random bytes", () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(1 + (i % 64));
      const r = reason(() => decodeAuditEntry(bytes));
      assert.ok(r === "none" || r === "malformed-entry");
    }
  });
});
