import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { defaultPartnerFaults } from "./partner-faults.js";
import { maxBodyBytes, type RunningPartnerServer, startPartnerServer } from "./partner-server.js";
import { signRequest } from "./request-signature.js";
import { postSigned } from "./signed-client.js";
import { testAppKey, testAppKeys, testChannel, testCodes, testHeaders, testSecretHex } from "./testing-partner.js";

// The kit's server with a toy channel: /p/v1/record records its body's id and answers it back.
// Every fault as a client meets it, and what took effect behind it.

const record = "/p/v1/record";
const boom = "/p/v1/boom";
let server: RunningPartnerServer;
/** The ids recorded: the channel's effects. */
const effects: string[] = [];
/** The clock each request was handled at. */
const clocks: number[] = [];

before(async () => {
  server = await startPartnerServer({
    name: "kit test server",
    appKeys: testAppKeys,
    headers: testHeaders,
    codes: testCodes,
    apiPrefix: "/p/",
    paths: [record, boom],
    handle: (path, body, now) => {
      if (path === boom) throw new Error("the handler failed");
      const id = (body as { id: string }).id;
      effects.push(id);
      clocks.push(now);
      return { status: 200, body: { code: "0000", msg: "ok", data: { id } } };
    },
    admin: async (method, path, body) => {
      if (method === "GET" && path === "/admin/effects") return { status: 200, body: { effects } };
      if (method === "POST" && path === "/admin/echo") return { status: 201, body: { echo: body } };
      return undefined;
    },
    seed: 42,
  });
});
after(async () => {
  await server?.close();
});
beforeEach(() => server.setFaults(defaultPartnerFaults));

let counter = 0;
const newId = () => `r${++counter}`;
const post = (id: string, signal?: AbortSignal) =>
  postSigned<{ id: string }>(testChannel(server.url), record, { id }, signal === undefined ? {} : { signal });

describe("the partner server", () => {
  it("hands an authentic request's parsed body and the clock to the handler", async () => {
    const before = Date.now();
    const id = newId();
    const reply = await post(id);
    assert.deepEqual(reply, { status: 200, answer: { code: "0000", msg: "ok", data: { id } } });
    assert.equal(effects.at(-1), id);
    assert.ok((clocks.at(-1) ?? 0) >= before);
  });

  it("refuses with the codes it is given, before the handler", async () => {
    const count = effects.length;
    const wrongKey = await postSigned(testChannel(server.url, undefined, "nobody"), record, { id: newId() });
    assert.deepEqual([wrongKey.status, wrongKey.answer?.code], [401, testCodes.unknownAppKey]);
    const wrongSecret = await postSigned(testChannel(server.url, "ee".repeat(32)), record, { id: newId() });
    assert.deepEqual([wrongSecret.status, wrongSecret.answer?.code], [401, testCodes.badSignature]);
    const stale = await postSigned(testChannel(server.url), record, { id: newId() }, { now: () => 0 });
    assert.deepEqual([stale.status, stale.answer?.code], [401, testCodes.staleTimestamp]);
    assert.equal(effects.length, count);
  });

  it("answers an unknown API path 404, anything but POST 405, bad or huge bodies 400, and counts them", async () => {
    const before = server.requests();
    const unknown = await postSigned(testChannel(server.url), "/p/v1/nothing", {});
    assert.deepEqual([unknown.status, unknown.answer?.code], [404, testCodes.malformed]);
    const get = await fetch(`${server.url}${record}`);
    assert.equal(get.status, 405);
    assert.equal(((await get.json()) as { code: string }).code, testCodes.malformed);
    const huge = await postSigned(testChannel(server.url), record, { id: "x".repeat(maxBodyBytes) });
    assert.deepEqual([huge.status, huge.answer?.code], [400, testCodes.malformed]);
    const timestamp = String(Date.now());
    const notJson = await fetch(`${server.url}${record}`, {
      method: "POST",
      body: "{",
      headers: {
        [testHeaders.appKey]: testAppKey,
        [testHeaders.timestamp]: timestamp,
        [testHeaders.nonce]: "nonce-not-json",
        [testHeaders.signature]: signRequest(
          Buffer.from(testSecretHex, "hex"),
          "POST",
          record,
          timestamp,
          "nonce-not-json",
          Buffer.from("{"),
        ),
      },
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { code: string }).code, testCodes.malformed);
    const after = server.requests();
    assert.equal(after["/p/v1/nothing"], (before["/p/v1/nothing"] ?? 0) + 1);
    assert.equal(after[record], (before[record] ?? 0) + 3);
    const elsewhere = await fetch(`${server.url}/other`, { method: "POST", body: "{}" });
    assert.equal(elsewhere.status, 404);
    assert.equal(server.requests()["/other"], undefined, "outside the API: not counted");
  });

  it("answers 500 without the error when a handler throws", async () => {
    const original = console.error;
    const logged: string[] = [];
    console.error = (line: string) => logged.push(line);
    try {
      const reply = await postSigned(testChannel(server.url), boom, { secret: "张三" });
      assert.deepEqual(reply, { status: 500, answer: undefined });
    } finally {
      console.error = original;
    }
    assert.deepEqual(logged, ["kit test server: Error serving a request"]);
  });

  it("serves the caller's admin routes, unsigned, with their parsed body; 404 and 400 otherwise", async () => {
    const echo = await fetch(`${server.url}/admin/echo`, { method: "POST", body: '{"a":[1]}' });
    assert.equal(echo.status, 201);
    assert.deepEqual(await echo.json(), { echo: { a: [1] } });
    const empty = await fetch(`${server.url}/admin/echo`, { method: "POST" });
    assert.deepEqual(await empty.json(), {}, "an empty body is undefined, left out of the JSON");
    const bad = await fetch(`${server.url}/admin/echo`, { method: "POST", body: "{" });
    assert.equal(bad.status, 400);
    const none = await fetch(`${server.url}/admin/nothing`);
    assert.equal(none.status, 404);
    const list = (await (await fetch(`${server.url}/admin/effects`)).json()) as { effects: string[] };
    assert.deepEqual(list.effects, effects);
  });

  it("takes fault settings through /admin/faults: validated, merged", async () => {
    const bad = await fetch(`${server.url}/admin/faults`, { method: "POST", body: JSON.stringify({ reorderRate: 2 }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { msg: string }).msg, /reorderRate/);
    const unknown = await fetch(`${server.url}/admin/faults`, { method: "POST", body: '{"nope":1}' });
    assert.equal(unknown.status, 400);
    const notJson = await fetch(`${server.url}/admin/faults`, { method: "POST", body: "{" });
    assert.equal(notJson.status, 400);
    await fetch(`${server.url}/admin/faults`, { method: "POST", body: JSON.stringify({ slowMs: 5 }) });
    const merged = await fetch(`${server.url}/admin/faults`, {
      method: "POST",
      body: JSON.stringify({ error5xxRate: 0.25 }),
    });
    assert.deepEqual(await merged.json(), { ...defaultPartnerFaults, slowMs: 5, error5xxRate: 0.25 });
    assert.deepEqual(await (await fetch(`${server.url}/admin/faults`)).json(), server.faults());
    assert.throws(() => server.setFaults({ error5xxRate: -1 }));
  });

  it("refuses a path outside its API prefix", async () => {
    await assert.rejects(
      startPartnerServer({
        name: "x",
        appKeys: testAppKeys,
        headers: testHeaders,
        codes: testCodes,
        apiPrefix: "/p/",
        paths: ["/q/v1/x"],
        handle: () => ({ status: 200, body: {} }),
      }),
      TypeError,
    );
  });
});

describe("the partner server's faults", () => {
  it("down: the connection is dropped, nothing takes effect, admin still answers", async () => {
    server.setFaults({ down: true });
    const count = effects.length;
    const downs = server.faultCounts().down;
    await assert.rejects(post(newId()), TypeError);
    assert.equal(server.faultCounts().down, downs + 1);
    assert.equal(effects.length, count);
    assert.equal((await fetch(`${server.url}/admin/effects`)).status, 200);
  });

  it("5xx: an error page, no envelope, no effect", async () => {
    server.setFaults({ error5xxRate: 1 });
    const count = effects.length;
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const reply = await post(newId());
      assert.equal(reply.answer, undefined);
      statuses.add(reply.status);
    }
    assert.ok([...statuses].every((s) => s === 500 || s === 502 || s === 503));
    assert.ok(statuses.size > 1, "the status is drawn");
    assert.equal(effects.length, count);
  });

  it("timeoutAfterEffect: no answer, yet the request took effect", async () => {
    server.setFaults({ timeoutAfterEffectRate: 1 });
    const id = newId();
    await assert.rejects(post(id, AbortSignal.timeout(300)), (e: Error) => e.name === "TimeoutError");
    assert.equal(effects.at(-1), id);
  });

  it("duplicateAnswer: the previous answer comes back, while the request took effect", async () => {
    const first = newId();
    await post(first);
    server.setFaults({ duplicateAnswerRate: 1 });
    const second = newId();
    const reply = await post(second);
    assert.equal(reply.answer?.data?.id, first);
    assert.equal(effects.at(-1), second);
  });

  it("reorder: two answers ready together are crossed; one alone is held, then given", async () => {
    server.setFaults({ reorderRate: 1 });
    const [a, b] = [newId(), newId()];
    const crossed = server.faultCounts().reorderedAnswer;
    const [ra, rb] = await Promise.all([post(a), post(b)]);
    assert.deepEqual([ra.answer?.data?.id, rb.answer?.data?.id], [b, a]);
    assert.ok(effects.includes(a) && effects.includes(b));
    assert.equal(server.faultCounts().reorderedAnswer, crossed + 1);
    const started = Date.now();
    const alone = newId();
    const reply = await post(alone);
    assert.ok(Date.now() - started >= 250);
    assert.equal(reply.answer?.data?.id, alone);
  });

  it("slow: the answer is late, the effect is not", async () => {
    server.setFaults({ slowMs: 250 });
    const id = newId();
    const started = Date.now();
    const pending = post(id);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(effects.at(-1), id, "in effect before the answer");
    const reply = await pending;
    assert.ok(Date.now() - started >= 240);
    assert.equal(reply.answer?.data?.id, id);
  });
});

describe("closing the partner server", () => {
  it("drops a held connection at once", async () => {
    const own = await startPartnerServer({
      name: "held",
      appKeys: testAppKeys,
      headers: testHeaders,
      codes: testCodes,
      apiPrefix: "/p/",
      paths: [record],
      handle: () => ({ status: 200, body: { code: "0000", msg: "ok" } }),
      faults: { timeoutAfterEffectRate: 1 },
    });
    const pending = postSigned(testChannel(own.url), record, { id: "held" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await own.close();
    await assert.rejects(pending, TypeError);
    assert.ok(Date.now() - started < 1000);
  });
});
