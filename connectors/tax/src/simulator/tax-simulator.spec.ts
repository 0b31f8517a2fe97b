import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signRequest } from "../protocol/request-signature.js";
import {
  type BlueForRed,
  type RedConfirmation,
  type TaxInvoice,
  taxCodes,
  taxHeaders,
  taxPaths,
} from "../protocol/tax-api.js";
import { postSigned, type TaxChannel } from "../protocol/tax-client.js";
import type { RunningTaxSimulator } from "./tax-simulator.js";
import { startTaxSimulator } from "./tax-simulator.js";
import {
  appKeys,
  blueRequest,
  newSerial,
  slipRequest,
  tempDir,
  testAppKey,
  testChannel,
  testSecretHex,
} from "./testing-requests.js";

let sim: RunningTaxSimulator;
let channel: TaxChannel;
let remove: () => Promise<void>;

before(async () => {
  const temp = await tempDir();
  remove = temp.remove;
  sim = await startTaxSimulator({ dbPath: join(temp.dir, "sim.db"), appKeys, region: "51" });
  channel = testChannel(sim.url);
});
after(async () => {
  await sim?.close();
  await remove?.();
});

/** A signed call whose answer must be an envelope. */
async function call<T>(path: string, body: unknown, on: TaxChannel = channel) {
  const reply = await postSigned<T>(on, path, body);
  assert.ok(reply.answer !== undefined, `an envelope from ${path} (HTTP ${reply.status})`);
  return { status: reply.status, code: reply.answer.code, msg: reply.answer.msg, data: reply.answer.data as T };
}

async function issue(overrides: Parameters<typeof blueRequest>[0] = {}): Promise<TaxInvoice> {
  const r = await call<TaxInvoice>(taxPaths.issueBlue, blueRequest(overrides));
  assert.equal(r.code, taxCodes.ok, r.msg);
  return r.data;
}

/** A POST with headers of our own making. */
async function rawPost(path: string, headers: Record<string, string>, body: string) {
  const response = await fetch(`${sim.url}${path}`, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as { code: string; msg: string } };
}

function signedHeaders(path: string, body: string, nonce: string, timestamp = String(Date.now())) {
  return {
    [taxHeaders.appKey]: testAppKey,
    [taxHeaders.timestamp]: timestamp,
    [taxHeaders.nonce]: nonce,
    [taxHeaders.signature]: signRequest(
      Buffer.from(testSecretHex, "hex"),
      "POST",
      path,
      timestamp,
      nonce,
      Buffer.from(body),
    ),
  };
}

describe("authentication", () => {
  const query = { fpqqlsh: newSerial() };

  it("answers an authentic call", async () => {
    const r = await call(taxPaths.queryBySerial, query);
    assert.equal(r.status, 200);
    assert.equal(r.code, taxCodes.notFound);
  });

  it("refuses an unknown app key with 401 1001", async () => {
    const r = await call(taxPaths.queryBySerial, query, testChannel(sim.url, testSecretHex, "someone-else"));
    assert.deepEqual([r.status, r.code], [401, taxCodes.unknownAppKey]);
  });

  it("refuses a stale, a future or a non-numeric timestamp with 401 1003", async () => {
    for (const skew of [-301_000, 301_000]) {
      const reply = await postSigned(channel, taxPaths.queryBySerial, query, { now: () => Date.now() + skew });
      assert.deepEqual([reply.status, reply.answer?.code], [401, taxCodes.staleTimestamp]);
    }
    const body = JSON.stringify(query);
    const r = await rawPost(
      taxPaths.queryBySerial,
      signedHeaders(taxPaths.queryBySerial, body, newSerial(), "soon"),
      body,
    );
    assert.deepEqual([r.status, r.body.code], [401, taxCodes.staleTimestamp]);
    // Within the window is fine.
    const near = await postSigned(channel, taxPaths.queryBySerial, query, { now: () => Date.now() - 200_000 });
    assert.equal(near.status, 200);
  });

  it("refuses a wrong signature with 401 1002: wrong secret, altered body, other path", async () => {
    const wrong = await call(taxPaths.queryBySerial, query, testChannel(sim.url, "ab".repeat(32)));
    assert.deepEqual([wrong.status, wrong.code], [401, taxCodes.badSignature]);
    const signedBody = JSON.stringify(query);
    const altered = JSON.stringify({ fpqqlsh: newSerial() });
    const a = await rawPost(
      taxPaths.queryBySerial,
      signedHeaders(taxPaths.queryBySerial, signedBody, newSerial()),
      altered,
    );
    assert.deepEqual([a.status, a.body.code], [401, taxCodes.badSignature]);
    const b = await rawPost(
      taxPaths.queryBySerial,
      signedHeaders(taxPaths.blueForRed, signedBody, newSerial()),
      signedBody,
    );
    assert.deepEqual([b.status, b.body.code], [401, taxCodes.badSignature]);
    const headers = signedHeaders(taxPaths.queryBySerial, signedBody, newSerial());
    const c = await rawPost(taxPaths.queryBySerial, { ...headers, [taxHeaders.signature]: "00" }, signedBody);
    assert.deepEqual([c.status, c.body.code], [401, taxCodes.badSignature]);
  });

  it("refuses a nonce reused by the same app key with 401 1004", async () => {
    const body = JSON.stringify(query);
    const nonce = randomBytes(16).toString("hex");
    const first = await rawPost(taxPaths.queryBySerial, signedHeaders(taxPaths.queryBySerial, body, nonce), body);
    assert.equal(first.status, 200);
    const again = await rawPost(taxPaths.queryBySerial, signedHeaders(taxPaths.queryBySerial, body, nonce), body);
    assert.deepEqual([again.status, again.body.code], [401, taxCodes.nonceReused]);
  });

  it("does not let a forged request burn a nonce", async () => {
    const body = JSON.stringify(query);
    const nonce = randomBytes(16).toString("hex");
    const headers = signedHeaders(taxPaths.queryBySerial, body, nonce);
    const forged = await rawPost(taxPaths.queryBySerial, { ...headers, [taxHeaders.signature]: "0".repeat(64) }, body);
    assert.equal(forged.body.code, taxCodes.badSignature);
    const real = await rawPost(taxPaths.queryBySerial, headers, body);
    assert.equal(real.status, 200);
  });

  it("answers an unknown path 404 1005 and anything but POST 405", async () => {
    const r = await call("/api/v1/invoices/nothing", query);
    assert.deepEqual([r.status, r.code], [404, taxCodes.malformed]);
    const get = await fetch(`${sim.url}${taxPaths.queryBySerial}`);
    assert.equal(get.status, 405);
    assert.equal(((await get.json()) as { code: string }).code, taxCodes.malformed);
    const elsewhere = await fetch(`${sim.url}/`, { method: "POST", body: "{}" });
    assert.equal(elsewhere.status, 404);
  });

  it("answers malformed JSON 400 1005", async () => {
    const body = '{"fpqqlsh":';
    const r = await rawPost(taxPaths.queryBySerial, signedHeaders(taxPaths.queryBySerial, body, newSerial()), body);
    assert.deepEqual([r.status, r.body.code], [400, taxCodes.malformed]);
  });
});

describe("blue invoices", () => {
  it("issues one: number, time, totals in words, and stores it", async () => {
    const before = Date.now();
    const request = blueRequest();
    const r = await call<TaxInvoice>(taxPaths.issueBlue, request);
    assert.equal(r.code, taxCodes.ok, r.msg);
    const inv = r.data;
    assert.match(inv.fphm, /^\d{20}$/);
    const yy = new Date(before + 8 * 3_600_000).toISOString().slice(2, 4);
    assert.equal(inv.fphm.slice(0, 5), `${yy}511`);
    assert.match(inv.kprq, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.ok(Math.abs(Date.parse(`${inv.kprq.replace(" ", "T")}+08:00`) - before) < 5000, inv.kprq);
    assert.equal(inv.sflzfp, "Y");
    assert.equal(inv.kjhzfpdydlzfphm, "");
    assert.equal(inv.hzqrduuid, "");
    assert.equal(inv.jshjdx, "壹佰叁拾肆圆伍角陆分");
    assert.equal(inv.fpqqlsh, request.fpqqlsh);
    assert.deepEqual(inv.hwxx, request.hwxx);
    assert.deepEqual(inv.lkysfwtdysList, request.lkysfwtdysList);
    const stored = sim.invoices().find((i) => i.fpqqlsh === request.fpqqlsh);
    assert.deepEqual(stored, {
      fpqqlsh: request.fpqqlsh,
      fphm: inv.fphm,
      sflzfp: "Y",
      kjhzfpdydlzfphm: "",
      dzkph: request.dzkph,
      hjje: "123.45",
      hjse: "11.11",
      jshj: "134.56",
      kprq: inv.kprq,
      xsfnsrsbh: request.xsfnsrsbh,
      hzqrduuid: "",
    });
  });

  it("numbers invoices in increasing sequence", async () => {
    const a = await issue();
    const b = await issue();
    assert.equal(BigInt(b.fphm.slice(5)), BigInt(a.fphm.slice(5)) + 1n);
  });

  it("answers a repeat 2001 with the same invoice, and a conflicting reuse 4004", async () => {
    const request = blueRequest();
    const first = await call<TaxInvoice>(taxPaths.issueBlue, request);
    const duplicatesBefore = sim.stats().duplicateSerials;
    const count = sim.invoices().length;
    // The same request with its keys in another order is still the same request.
    const reordered = Object.fromEntries(Object.entries(request).reverse());
    const again = await call<TaxInvoice>(taxPaths.issueBlue, reordered);
    assert.equal(again.code, taxCodes.duplicateSerial);
    assert.equal(again.data.fphm, first.data.fphm);
    assert.equal(sim.stats().duplicateSerials, duplicatesBefore + 1);
    const other = await call<TaxInvoice>(taxPaths.issueBlue, { ...request, bz: "另一张" });
    assert.equal(other.code, taxCodes.serialConflict);
    assert.equal(other.data, undefined);
    assert.equal(sim.invoices().length, count);
  });

  it("refuses inconsistent or malformed requests 400 1005 naming the field, not the value", async () => {
    const count = sim.invoices().length;
    const cases: readonly [Record<string, unknown>, string][] = [
      [{ hjje: "123.46" }, "hjje"],
      [{ hjse: "11.12" }, "hjse"],
      [{ jshj: "134.55" }, "jshj"],
      [{ fpqqlsh: "short" }, "fpqqlsh"],
      [{ fpqqlsh: `${"A".repeat(31)}-` }, "fpqqlsh"],
      [{ xsfnsrsbh: "91510100ma61234567" }, "xsfnsrsbh"],
      [{ fppzDm: "03" }, "fppzDm"],
      [{ hwxx: [] }, "hwxx"],
      [{ lkysfwtdysList: [] }, "lkysfwtdysList"],
      [{ tdyslxDm: "", hjje: "123.45" }, "lkysfwtdysList"],
      [{ extra: "x" }, "extra"],
      [
        {
          hwxx: [
            { ...blueRequest().hwxx[0], xh: 2 },
            { ...blueRequest().hwxx[1], xh: 1 },
          ],
        },
        "xh",
      ],
      [{ hwxx: [{ ...blueRequest().hwxx[0], se: "9.0000001" }] }, "se"],
      [{ hwxx: [{ ...blueRequest().hwxx[0], je: -1 }] }, "je"],
      [{ gmfnsrsbh: "张三的号码" }, "gmfnsrsbh"],
    ];
    for (const [overrides, field] of cases) {
      const r = await call(taxPaths.issueBlue, { ...blueRequest(), ...overrides });
      assert.deepEqual([r.status, r.code], [400, taxCodes.malformed], JSON.stringify(overrides));
      assert.ok(r.msg.includes(field), `${r.msg} names ${field}`);
      assert.ok(!r.msg.includes("张三"), "no personal data in the message");
    }
    assert.equal(sim.invoices().length, count);
  });

  it("finds an invoice by its serial, 3001 when there is none", async () => {
    const inv = await issue();
    const found = await call<TaxInvoice>(taxPaths.queryBySerial, { fpqqlsh: inv.fpqqlsh });
    assert.equal(found.code, taxCodes.ok);
    assert.deepEqual(found.data, inv);
    const none = await call(taxPaths.queryBySerial, { fpqqlsh: newSerial() });
    assert.equal(none.code, taxCodes.notFound);
    assert.equal(none.data, undefined);
  });
});

describe("red-letter reversal", () => {
  it("reverses a blue invoice in full: blue for red, slip, red invoice, and what is reversed after", async () => {
    const blue = await issue();
    const pre = await call<BlueForRed>(taxPaths.blueForRed, { fphm: blue.fphm });
    assert.equal(pre.code, taxCodes.ok);
    assert.deepEqual(pre.data, { invoice: blue, ychje: "0.00", ychse: "0.00" });

    const slipReq = slipRequest(blue, "-123.45", "-11.11");
    const slip = await call<RedConfirmation>(taxPaths.redConfirmation, slipReq);
    assert.equal(slip.code, taxCodes.ok, slip.msg);
    assert.match(slip.data.hzqrduuid, /^[0-9a-f]{32}$/);
    assert.equal(slip.data.hzqrdzt, "04");
    assert.deepEqual([slip.data.lzfphm, slip.data.hzcxje, slip.data.hzcxse], [blue.fphm, "-123.45", "-11.11"]);
    const slipAgain = await call<RedConfirmation>(taxPaths.redConfirmation, slipReq);
    assert.equal(slipAgain.code, taxCodes.duplicateSerial);
    assert.deepEqual(slipAgain.data, slip.data);
    const slipOther = await call(taxPaths.redConfirmation, { ...slipReq, chyyDm: "01" });
    assert.equal(slipOther.code, taxCodes.serialConflict);

    const redReq = { fpqqlsh: newSerial(), hzqrduuid: slip.data.hzqrduuid };
    const red = await call<TaxInvoice>(taxPaths.issueRed, redReq);
    assert.equal(red.code, taxCodes.ok, red.msg);
    const inv = red.data;
    assert.notEqual(inv.fphm, blue.fphm);
    assert.match(inv.fphm, /^\d{20}$/);
    assert.equal(inv.sflzfp, "N");
    assert.equal(inv.kjhzfpdydlzfphm, blue.fphm);
    assert.equal(inv.hzqrduuid, slip.data.hzqrduuid);
    assert.deepEqual([inv.hjje, inv.hjse, inv.jshj], ["-123.45", "-11.11", "-134.56"]);
    assert.equal(inv.jshjdx, "（负数）壹佰叁拾肆圆伍角陆分");
    assert.deepEqual(
      inv.hwxx.map((l) => [l.xh, l.xmmc, l.je, l.se, l.slv]),
      [
        [1, blue.hwxx[0]?.xmmc, "-100.00", "-9.00", "0.09"],
        [2, blue.hwxx[1]?.xmmc, "-23.45", "-2.1105", "0.09"],
      ],
    );
    assert.deepEqual(
      [inv.xsfnsrsbh, inv.xsfmc, inv.gmfmc, inv.dzkph, inv.fppzDm, inv.tdyslxDm],
      [blue.xsfnsrsbh, blue.xsfmc, blue.gmfmc, blue.dzkph, blue.fppzDm, blue.tdyslxDm],
    );
    assert.deepEqual(inv.lkysfwtdysList, blue.lkysfwtdysList);

    const redAgain = await call<TaxInvoice>(taxPaths.issueRed, redReq);
    assert.equal(redAgain.code, taxCodes.duplicateSerial);
    assert.equal(redAgain.data.fphm, inv.fphm);
    // The blue serial cannot be reused for a red request.
    const crossed = await call(taxPaths.issueRed, { ...redReq, fpqqlsh: blue.fpqqlsh });
    assert.equal(crossed.code, taxCodes.serialConflict);
    // The slip is used.
    const used = await call(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: slip.data.hzqrduuid });
    assert.equal(used.code, taxCodes.slipNotConfirmed);

    const post = await call<BlueForRed>(taxPaths.blueForRed, { fphm: blue.fphm });
    assert.deepEqual([post.data.ychje, post.data.ychse], ["-123.45", "-11.11"]);
    const found = await call<TaxInvoice>(taxPaths.queryBySerial, { fpqqlsh: redReq.fpqqlsh });
    assert.equal(found.data.fphm, inv.fphm);
    // Nothing is left to reverse.
    const more = await call(
      taxPaths.redConfirmation,
      slipRequest(blue, "-0.01", "0.00", [{ lzmxxh: 1, je: "-0.01", se: "0" }]),
    );
    assert.equal(more.code, taxCodes.reversalExceedsBlue);
    const red404 = await call(taxPaths.blueForRed, { fphm: inv.fphm });
    assert.equal(red404.code, taxCodes.blueNotFound);
  });

  it("reverses in parts up to the remainder, then refuses more 4001", async () => {
    const blue = await issue();
    const first = await call<RedConfirmation>(
      taxPaths.redConfirmation,
      slipRequest(blue, "-40.00", "-3.60", [{ lzmxxh: 1, je: "-40.00", se: "-3.60" }]),
    );
    assert.equal(first.code, taxCodes.ok, first.msg);
    const red = await call<TaxInvoice>(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: first.data.hzqrduuid });
    assert.equal(red.code, taxCodes.ok, red.msg);
    assert.deepEqual(
      red.data.hwxx.map((l) => [l.xh, l.xmmc, l.sphfwssflhbbm, l.slv, l.je, l.se]),
      [[1, blue.hwxx[0]?.xmmc, blue.hwxx[0]?.sphfwssflhbbm, "0.09", "-40.00", "-3.60"]],
    );
    assert.deepEqual([red.data.hjje, red.data.hjse, red.data.jshj], ["-40.00", "-3.60", "-43.60"]);
    assert.equal(red.data.jshjdx, "（负数）肆拾叁圆陆角");

    // A full reversal of the whole blue invoice is more than is left.
    const tooFull = await call(taxPaths.redConfirmation, slipRequest(blue, "-123.45", "-11.11"));
    assert.equal(tooFull.code, taxCodes.reversalExceedsBlue);

    // What is left: 83.45 and 7.51, in a second part (its slip not yet used still counts).
    const second = await call<RedConfirmation>(
      taxPaths.redConfirmation,
      slipRequest(blue, "-83.45", "-7.51", [
        { lzmxxh: 1, je: "-60.00", se: "-5.40" },
        { lzmxxh: 2, je: "-23.45", se: "-2.11" },
      ]),
    );
    assert.equal(second.code, taxCodes.ok, second.msg);
    const exceeding = await call(
      taxPaths.redConfirmation,
      slipRequest(blue, "-0.01", "0.00", [{ lzmxxh: 2, je: "-0.01", se: "0.00" }]),
    );
    assert.equal(exceeding.code, taxCodes.reversalExceedsBlue);
    const red2 = await call<TaxInvoice>(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: second.data.hzqrduuid });
    assert.equal(red2.code, taxCodes.ok);
    const after = await call<BlueForRed>(taxPaths.blueForRed, { fphm: blue.fphm });
    assert.deepEqual([after.data.ychje, after.data.ychse], ["-123.45", "-11.11"]);
  });

  it("reverses in full what a partial reversal left, line by line", async () => {
    const blue = await issue();
    const part = await call<RedConfirmation>(
      taxPaths.redConfirmation,
      slipRequest(blue, "-40.00", "-3.60", [{ lzmxxh: 1, je: "-40.00", se: "-3.60" }]),
    );
    assert.equal(part.code, taxCodes.ok);
    const rest = await call<RedConfirmation>(taxPaths.redConfirmation, slipRequest(blue, "-83.45", "-7.51"));
    assert.equal(rest.code, taxCodes.ok, rest.msg);
    const red = await call<TaxInvoice>(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: rest.data.hzqrduuid });
    assert.deepEqual(
      red.data.hwxx.map((l) => [l.xh, l.je, l.se]),
      [
        [1, "-60.00", "-5.40"],
        [2, "-23.45", "-2.1105"],
      ],
    );
    assert.equal(red.data.hjje, "-83.45");
  });

  it("refuses a partial reversal whose lines do not match the blue invoice 4002", async () => {
    const blue = await issue();
    const slips = sim.stats().confirmations;
    const cases: readonly [string, string, { lzmxxh: number; je: string; se: string }[]][] = [
      ["-10.00", "-0.90", [{ lzmxxh: 3, je: "-10.00", se: "-0.90" }]],
      ["-30.00", "-2.70", [{ lzmxxh: 2, je: "-30.00", se: "-2.70" }]],
      ["-10.00", "-0.90", [{ lzmxxh: 1, je: "-9.00", se: "-0.90" }]],
      ["-10.00", "-0.90", [{ lzmxxh: 1, je: "-10.00", se: "-0.80" }]],
      [
        "-20.00",
        "-1.80",
        [
          { lzmxxh: 1, je: "-10.00", se: "-0.90" },
          { lzmxxh: 1, je: "-10.00", se: "-0.90" },
        ],
      ],
    ];
    for (const [je, se, lines] of cases) {
      const r = await call(taxPaths.redConfirmation, slipRequest(blue, je, se, lines));
      assert.equal(r.code, taxCodes.reversalLineMismatch, `${JSON.stringify(lines)}: ${r.msg}`);
    }
    assert.equal(sim.stats().confirmations, slips);
    const pre = await call<BlueForRed>(taxPaths.blueForRed, { fphm: blue.fphm });
    assert.equal(pre.data.ychje, "0.00");
    // A full reversal of less than what is left is refused too.
    const short = await call(taxPaths.redConfirmation, slipRequest(blue, "-100.00", "-9.00"));
    assert.equal(short.code, taxCodes.reversalExceedsBlue);
  });

  it("refuses a slip whose blue fields do not match 1005 naming the field, an unknown blue 3002", async () => {
    const blue = await issue();
    const slips = sim.stats().confirmations;
    const cases: readonly [Record<string, string>, string][] = [
      [{ lzhjje: "123.44" }, "lzhjje"],
      [{ lzhjse: "11.10" }, "lzhjse"],
      [{ lzkprq: "2020-01-01 00:00:00" }, "lzkprq"],
      [{ lzfppzDm: "01" }, "lzfppzDm"],
      [{ lzfpTdyslxDm: "" }, "lzfpTdyslxDm"],
      [{ xsfnsrsbh: "91510100MA00000000" }, "xsfnsrsbh"],
      [{ hzcxje: "-0.00" }, "hzcxje"],
    ];
    for (const [overrides, field] of cases) {
      const r = await call(taxPaths.redConfirmation, slipRequest(blue, "-123.45", "-11.11", [], overrides));
      assert.deepEqual([r.status, r.code], [200, taxCodes.malformed], field);
      assert.ok(r.msg.includes(field), r.msg);
    }
    const positive = await call(taxPaths.redConfirmation, slipRequest(blue, "123.45", "11.11"));
    assert.deepEqual([positive.status, positive.code], [400, taxCodes.malformed]);
    const unknown = await call(
      taxPaths.redConfirmation,
      slipRequest(blue, "-123.45", "-11.11", [], { lzfphm: "99999999999999999999" }),
    );
    assert.equal(unknown.code, taxCodes.blueNotFound);
    const none = await call(taxPaths.blueForRed, { fphm: "99999999999999999999" });
    assert.equal(none.code, taxCodes.blueNotFound);
    assert.equal(sim.stats().confirmations, slips);
    const still = await call<BlueForRed>(taxPaths.blueForRed, { fphm: blue.fphm });
    assert.equal(still.data.ychje, "0.00");
  });

  it("refuses a red invoice on an unknown slip 4003", async () => {
    const r = await call(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: randomBytes(16).toString("hex") });
    assert.equal(r.code, taxCodes.slipNotConfirmed);
    const bad = await call(taxPaths.issueRed, { fpqqlsh: newSerial(), hzqrduuid: "NOT-A-UUID" });
    assert.deepEqual([bad.status, bad.code], [400, taxCodes.malformed]);
  });
});

describe("admin", () => {
  it("lists invoices and stats, which count requests by path", async () => {
    const invoices = (await (await fetch(`${sim.url}/admin/invoices`)).json()) as { invoices: unknown[] };
    assert.equal(invoices.invoices.length, sim.invoices().length);
    const stats = (await (await fetch(`${sim.url}/admin/stats`)).json()) as ReturnType<RunningTaxSimulator["stats"]>;
    assert.deepEqual(stats, sim.stats());
    assert.equal(stats.blue + stats.red, invoices.invoices.length);
    assert.ok((stats.requests[taxPaths.issueBlue] ?? 0) > 10);
    assert.ok(stats.red >= 4);
    assert.ok(stats.confirmations >= 5);
  });
});
