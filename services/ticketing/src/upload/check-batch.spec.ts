// The whole-batch checks of an upload: who sends it, how many events, and their sequence numbers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TicketEvent, type UploadTicketEventsRequest } from "@hutong/proto";
import fc from "fast-check";
import { isTicketingError, type TicketingErrorCode } from "../ticketing-error.js";
import { checkBatch, maxBatch } from "./check-batch.js";

const origin = "prov:510000/station-510101001";

const batch = (seqs: readonly bigint[], source = origin): UploadTicketEventsRequest => ({
  source,
  events: seqs.map((sourceSeq) => TicketEvent.fromPartial({ sourceSeq, source })),
});
const run = (from: bigint, n: number): bigint[] => Array.from({ length: n }, (_, i) => from + BigInt(i));

function refuses(request: UploadTicketEventsRequest, code: TicketingErrorCode, says: string, from = origin): void {
  assert.throws(
    () => checkBatch(from, request),
    (e: unknown) => {
      assert.ok(isTicketingError(e), `not a TicketingError: ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.ok(e.message.includes(says), `"${e.message}" lacks "${says}"`);
      return true;
    },
  );
}

describe("checkBatch", () => {
  it("takes 1 to maxBatch (1000) consecutive events from the calling system, starting at any seq ≥ 1", () => {
    assert.equal(maxBatch, 1000);
    assert.doesNotThrow(() => checkBatch(origin, batch([1n])));
    assert.doesNotThrow(() => checkBatch(origin, batch(run(1n, 3))));
    assert.doesNotThrow(() => checkBatch(origin, batch(run(41n, 40))));
    assert.doesNotThrow(() => checkBatch(origin, batch(run(1n, maxBatch))));
    assert.doesNotThrow(() => checkBatch(origin, batch(run(2n ** 63n, 2))));
  });

  it("refuses a batch whose source is empty or not the calling system", () => {
    refuses(batch([1n], ""), "wrong-source", 'the batch\'s source "" is not the calling system');
    refuses(batch([1n], ""), "wrong-source", "is not the calling system", "");
    refuses(
      batch([1n], "prov:510000/station-510102002"),
      "wrong-source",
      `"prov:510000/station-510102002" is not the calling system ${origin}`,
    );
    refuses(batch([1n], `${origin} `), "wrong-source", "is not the calling system");
  });

  it("checks the source before anything else: an empty batch from the wrong source is wrong-source", () => {
    refuses(batch([], "prov:440000/station-440101001"), "wrong-source", "is not the calling system");
  });

  it("refuses an empty batch and one of more than maxBatch events", () => {
    refuses(batch([]), "malformed", "a batch holds 1 to 1000 events, not 0");
    refuses(batch(run(1n, maxBatch + 1)), "malformed", "a batch holds 1 to 1000 events, not 1001");
  });

  it("refuses a batch starting at seq 0 (or below)", () => {
    refuses(batch([0n]), "malformed", "source_seq starts at 1");
    refuses(batch(run(0n, 3)), "malformed", "source_seq starts at 1");
    refuses(batch([-1n, 0n, 1n]), "malformed", "source_seq starts at 1");
  });

  it("refuses sequence numbers that are not consecutive: a gap inside, a repeat, descending", () => {
    refuses(batch([1n, 2n, 4n]), "malformed", "event 2 has 4, not 3");
    refuses(batch([5n, 6n, 6n, 7n]), "malformed", "event 2 has 6, not 7");
    refuses(batch([3n, 2n, 1n]), "malformed", "event 1 has 2, not 4");
    refuses(batch([1n, 1n]), "malformed", "event 1 has 1, not 2");
    refuses(batch([...run(1n, 999), 1001n]), "malformed", "event 999 has 1001, not 1000");
  });

  it("property: any consecutive run from any seq ≥ 1 passes, and changing one seq of a longer one is refused", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2n ** 64n - 2n ** 12n }),
        fc.integer({ min: 2, max: 200 }),
        fc.nat(),
        fc.bigInt({ min: -5n, max: 5n }).filter((d) => d !== 0n),
        (from, n, at, delta) => {
          const seqs = run(from, n);
          assert.doesNotThrow(() => checkBatch(origin, batch(seqs)));
          const i = at % n;
          const broken = seqs.map((s, j) => (j === i ? s + delta : s));
          refuses(batch(broken), "malformed", i === 0 && from + delta < 1n ? "source_seq starts at 1" : "");
        },
      ),
      { numRuns: 500 },
    );
  });
});
