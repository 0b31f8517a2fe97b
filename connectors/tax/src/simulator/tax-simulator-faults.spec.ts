import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { type TaxInvoice, taxCodes, taxPaths } from "../protocol/tax-api.js";
import { postSigned, type TaxChannel } from "../protocol/tax-client.js";
import { defaultTaxFaults } from "./tax-faults.js";
import { type RunningTaxSimulator, startTaxSimulator } from "./tax-simulator.js";
import { appKeys, blueRequest, tempDir, testChannel } from "./testing-requests.js";

// Every fault as the connector meets it: from the client side, then what the store holds.

let sim: RunningTaxSimulator;
let channel: TaxChannel;
let remove: () => Promise<void>;

before(async () => {
  const temp = await tempDir();
  remove = temp.remove;
  sim = await startTaxSimulator({ dbPath: join(temp.dir, "sim.db"), appKeys, seed: 42 });
  channel = testChannel(sim.url);
});
after(async () => {
  await sim?.close();
  await remove?.();
});
beforeEach(() => sim.setFaults(defaultTaxFaults));

/** Whether the channel, without faults, has an invoice for the serial. */
async function stored(fpqqlsh: string): Promise<TaxInvoice | undefined> {
  const saved = sim.faults();
  sim.setFaults(defaultTaxFaults);
  const reply = await postSigned<TaxInvoice>(channel, taxPaths.queryBySerial, { fpqqlsh });
  sim.setFaults(saved);
  assert.equal(reply.status, 200);
  return reply.answer?.code === taxCodes.ok ? reply.answer.data : undefined;
}

describe("fault injection", () => {
  it("down: the connection is dropped, nothing is issued", async () => {
    sim.setFaults({ down: true });
    const request = blueRequest();
    const received = sim.stats().requests[taxPaths.issueBlue] ?? 0;
    await assert.rejects(postSigned(channel, taxPaths.issueBlue, request), TypeError);
    assert.equal(sim.stats().faults.down, 1);
    assert.equal(sim.stats().requests[taxPaths.issueBlue], received + 1);
    // Admin is never faulty.
    const stats = await fetch(`${sim.url}/admin/stats`);
    assert.equal(stats.status, 200);
    assert.equal(await stored(request.fpqqlsh), undefined);
    sim.setFaults({ down: false });
    const later = await postSigned(channel, taxPaths.issueBlue, request);
    assert.equal(later.answer?.code, taxCodes.ok);
  });

  it("5xx: an error page with no envelope, and no effect", async () => {
    sim.setFaults({ error5xxRate: 1 });
    const count = sim.invoices().length;
    const statuses = new Set<number>();
    const serials: string[] = [];
    for (let i = 0; i < 12; i++) {
      const request = blueRequest();
      serials.push(request.fpqqlsh);
      const reply = await postSigned(channel, taxPaths.issueBlue, request);
      assert.equal(reply.answer, undefined);
      statuses.add(reply.status);
    }
    assert.ok(
      [...statuses].every((s) => s === 500 || s === 502 || s === 503),
      [...statuses].join(),
    );
    assert.ok(statuses.size > 1, "the status is drawn");
    assert.equal(sim.invoices().length, count);
    for (const s of serials) assert.equal(await stored(s), undefined);
    assert.equal(sim.stats().faults.error5xx, 12);
  });

  it("timeoutAfterEffect: the client gives up, yet the invoice was issued", async () => {
    sim.setFaults({ timeoutAfterEffectRate: 1 });
    const request = blueRequest();
    const started = Date.now();
    await assert.rejects(
      postSigned(channel, taxPaths.issueBlue, request, { signal: AbortSignal.timeout(300) }),
      (e: Error) => e.name === "TimeoutError" || e.name === "AbortError",
    );
    assert.ok(Date.now() - started >= 290);
    const found = await stored(request.fpqqlsh);
    assert.ok(found !== undefined, "the request took effect");
    assert.equal(found.fpqqlsh, request.fpqqlsh);
    assert.equal(sim.stats().faults.timeoutAfterEffect, 1);
    // Sent again, it is a repeat: 2001 with the same invoice.
    sim.setFaults(defaultTaxFaults);
    const again = await postSigned<TaxInvoice>(channel, taxPaths.issueBlue, request);
    assert.equal(again.answer?.code, taxCodes.duplicateSerial);
    assert.equal(again.answer?.data?.fphm, found.fphm);
  });

  it("duplicateAnswer: the previous answer comes back, while both requests took effect", async () => {
    const first = blueRequest();
    const a = await postSigned<TaxInvoice>(channel, taxPaths.issueBlue, first);
    assert.equal(a.answer?.data?.fpqqlsh, first.fpqqlsh);
    sim.setFaults({ duplicateAnswerRate: 1 });
    const second = blueRequest();
    const b = await postSigned<TaxInvoice>(channel, taxPaths.issueBlue, second);
    assert.equal(b.answer?.code, taxCodes.ok);
    assert.notEqual(b.answer?.data?.fpqqlsh, second.fpqqlsh);
    assert.equal(b.answer?.data?.fpqqlsh, first.fpqqlsh);
    assert.ok(await stored(first.fpqqlsh));
    const own = await stored(second.fpqqlsh);
    assert.ok(own !== undefined);
    assert.notEqual(own.fphm, b.answer?.data?.fphm);
    assert.equal(sim.stats().faults.duplicateAnswer, 1);
  });

  it("reorder: two answers ready together are crossed, while both requests took effect", async () => {
    sim.setFaults({ reorderRate: 1 });
    const [r1, r2] = [blueRequest(), blueRequest()];
    const [a1, a2] = await Promise.all([
      postSigned<TaxInvoice>(channel, taxPaths.issueBlue, r1),
      postSigned<TaxInvoice>(channel, taxPaths.issueBlue, r2),
    ]);
    assert.equal(a1.answer?.data?.fpqqlsh, r2.fpqqlsh);
    assert.equal(a2.answer?.data?.fpqqlsh, r1.fpqqlsh);
    assert.ok(await stored(r1.fpqqlsh));
    assert.ok(await stored(r2.fpqqlsh));
    assert.equal(sim.stats().faults.reorderedAnswer, 1);
  });

  it("reorder: an answer alone is held, then given as it is", async () => {
    sim.setFaults({ reorderRate: 1 });
    const request = blueRequest();
    const started = Date.now();
    const reply = await postSigned<TaxInvoice>(channel, taxPaths.issueBlue, request);
    assert.ok(Date.now() - started >= 250, "held up to 300 ms");
    assert.equal(reply.answer?.data?.fpqqlsh, request.fpqqlsh);
  });

  it("slow: every answer is late, after its effect", async () => {
    sim.setFaults({ slowMs: 250 });
    const before = sim.stats().faults.slow;
    const request = blueRequest();
    const started = Date.now();
    const pending = postSigned<TaxInvoice>(channel, taxPaths.issueBlue, request);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.ok(
      sim.invoices().some((i) => i.fpqqlsh === request.fpqqlsh),
      "in the store before the answer",
    );
    const reply = await pending;
    assert.ok(Date.now() - started >= 240);
    assert.equal(reply.answer?.code, taxCodes.ok);
    assert.equal(sim.stats().faults.slow, before + 1);
  });

  it("are set through /admin/faults, validated, merged", async () => {
    const bad = await fetch(`${sim.url}/admin/faults`, { method: "POST", body: JSON.stringify({ reorderRate: 2 }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { msg: string }).msg, /reorderRate/);
    const unknown = await fetch(`${sim.url}/admin/faults`, { method: "POST", body: '{"nope":1}' });
    assert.equal(unknown.status, 400);
    const notJson = await fetch(`${sim.url}/admin/faults`, { method: "POST", body: "{" });
    assert.equal(notJson.status, 400);
    const ok = await fetch(`${sim.url}/admin/faults`, { method: "POST", body: JSON.stringify({ slowMs: 5 }) });
    assert.equal(ok.status, 200);
    const ok2 = await fetch(`${sim.url}/admin/faults`, {
      method: "POST",
      body: JSON.stringify({ error5xxRate: 0.25 }),
    });
    assert.deepEqual(await ok2.json(), { ...defaultTaxFaults, slowMs: 5, error5xxRate: 0.25 });
    const got = await (await fetch(`${sim.url}/admin/faults`)).json();
    assert.deepEqual(got, sim.faults());
    assert.throws(() => sim.setFaults({ error5xxRate: -1 }));
  });
});
