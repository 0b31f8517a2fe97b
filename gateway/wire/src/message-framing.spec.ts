import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Status } from "./grpc-status.js";
import { frameMessage, MessageDecoder } from "./message-framing.js";
import { isWireError } from "./wire-error.js";

function decodeAll(chunks: Buffer[], max = 1 << 20): Buffer[] {
  const out: Buffer[] = [];
  const decoder = new MessageDecoder(max, { onMessage: (m) => out.push(Buffer.from(m)) });
  for (const c of chunks) decoder.push(c);
  assert.equal(decoder.pending, false);
  return out;
}

/** Cuts `bytes` at the given offsets (any order, duplicates allowed). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

describe("message framing", () => {
  it("frames a message with a zero flag and a big-endian length", () => {
    assert.deepEqual(frameMessage(Buffer.from("abc")), Buffer.from([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
    assert.deepEqual(frameMessage(Buffer.alloc(0)), Buffer.alloc(5));
  });

  it("reassembles any sequence of messages however the bytes are split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const wire = Buffer.concat(messages.map((m) => frameMessage(m)));
          const got = decodeAll(split(wire, cuts));
          assert.deepEqual(
            got.map((b) => [...b]),
            messages.map((m) => [...m]),
          );
        },
      ),
    );
  });

  it("reports a partial message as pending", () => {
    const decoder = new MessageDecoder(100, { onMessage: () => assert.fail("no whole message yet") });
    decoder.push(frameMessage(Buffer.from("hello")).subarray(0, 6));
    assert.equal(decoder.pending, true);
    const header = new MessageDecoder(100, { onMessage: () => {} });
    header.push(Buffer.from([0, 0]));
    assert.equal(header.pending, true);
  });

  it("refuses an oversized message from its length prefix, before buffering any of it", () => {
    const decoder = new MessageDecoder(10, { onMessage: () => assert.fail("must not deliver") });
    assert.throws(
      () => decoder.push(Buffer.from([0, 0, 0, 0, 11])),
      (e) => isWireError(e) && e.code === Status.RESOURCE_EXHAUSTED,
    );
    // Exactly at the limit is fine.
    assert.equal(decodeAll([frameMessage(Buffer.alloc(10))], 10).length, 1);
  });

  it("refuses a compressed or unknown flag with INTERNAL", () => {
    for (const flag of [1, 2, 255]) {
      const decoder = new MessageDecoder(100, { onMessage: () => assert.fail("must not deliver") });
      assert.throws(
        () => decoder.push(Buffer.from([flag, 0, 0, 0, 1, 7])),
        (e) => isWireError(e) && e.code === Status.INTERNAL,
      );
    }
  });
});
