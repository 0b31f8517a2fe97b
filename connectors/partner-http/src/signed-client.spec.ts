import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RequestAuthenticator } from "./request-authenticator.js";
import { postSigned } from "./signed-client.js";
import { testAppKeys, testChannel, testCodes, testHeaders } from "./testing-partner.js";

// postSigned against a stub server that answers by path and checks every request it gets.

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly refusal: string | undefined;
}

let server: Server;
let url: string;
const seen: Seen[] = [];
const auth = new RequestAuthenticator({ appKeys: testAppKeys, headers: testHeaders, codes: testCodes });

before(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const path = req.url ?? "/";
    seen.push({
      path,
      headers: req.headers,
      body: body.toString(),
      refusal: auth.check(req.method ?? "", path, req.headers, body, Date.now())?.code,
    });
    if (path === "/hang") return;
    if (path === "/page") {
      res.writeHead(502, { "content-type": "text/html" });
      return res.end("<html>502 Bad Gateway</html>");
    }
    if (path === "/array") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("[1,2]");
    }
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ code: "0000", msg: "ok", data: JSON.parse(body.toString()) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("postSigned", () => {
  it("signs with the channel's header names and returns the envelope", async () => {
    const reply = await postSigned<{ n: number }>(testChannel(url), "/p/v1/echo", { n: 7 });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.answer, { code: "0000", msg: "ok", data: { n: 7 } });
    const last = seen.at(-1);
    assert.equal(last?.refusal, undefined, "the stub's authenticator accepts it");
    assert.equal(last?.body, '{"n":7}');
    assert.equal(last?.headers["content-type"], "application/json; charset=utf-8");
    for (const name of Object.values(testHeaders)) assert.ok(last?.headers[name] !== undefined, name);
  });

  it("puts the caller's clock in the timestamp, and a fresh nonce each time", async () => {
    await postSigned(testChannel(url), "/p/v1/echo", {}, { now: () => 1_234 });
    const first = seen.at(-1);
    assert.equal(first?.headers[testHeaders.timestamp], "1234");
    assert.equal(first?.refusal, testCodes.staleTimestamp);
    await postSigned(testChannel(url), "/p/v1/echo", {});
    assert.notEqual(seen.at(-1)?.headers[testHeaders.nonce], first?.headers[testHeaders.nonce]);
  });

  it("gives the status without an envelope when the body is not one", async () => {
    const page = await postSigned(testChannel(url), "/page", {});
    assert.deepEqual(page, { status: 502, answer: undefined });
    const array = await postSigned(testChannel(url), "/array", {});
    assert.deepEqual(array, { status: 200, answer: undefined });
  });

  it("gives up after its own timeout when the caller gives no signal", async () => {
    const started = Date.now();
    await assert.rejects(
      postSigned(testChannel(url), "/hang", {}, { timeoutMs: 200 }),
      (e: Error) => e.name === "TimeoutError",
    );
    assert.ok(Date.now() - started >= 190);
  });

  it("follows the caller's signal rather than its own timeout", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      postSigned(testChannel(url), "/hang", {}, { signal: controller.signal, timeoutMs: 1 }),
      (e: Error) => e.name === "AbortError",
    );
  });

  it("throws when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(postSigned(testChannel(`http://127.0.0.1:${port}`), "/p", {}), TypeError);
  });
});
