import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isHost, parseHostPort } from "./host-port.js";

describe("host:port", () => {
  it("parses IPv4, names and bracketed IPv6", () => {
    assert.deepEqual(parseHostPort("127.0.0.1:9001"), { host: "127.0.0.1", port: 9001 });
    assert.deepEqual(parseHostPort("backend.prov-51.internal:1"), { host: "backend.prov-51.internal", port: 1 });
    assert.deepEqual(parseHostPort("[::1]:65535"), { host: "::1", port: 65535 });
    assert.deepEqual(parseHostPort("localhost:443"), { host: "localhost", port: 443 });
  });

  for (const bad of [
    "localhost",
    "127.0.0.1",
    "127.0.0.1:",
    ":9001",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "127.0.0.1:123456",
    "127.0.0.1:-1",
    "::1:9001",
    "[::1]",
    "[127.0.0.1]:9001",
    "[zz::1]:9001",
    "127.0.0.256:9001",
    "-bad.example:1",
    "a b:1",
    "http://127.0.0.1:9001",
    "host:80 ",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseHostPort(bad), undefined);
    });
  }

  it("knows a host from a non-host", () => {
    assert.equal(isHost("0.0.0.0"), true);
    assert.equal(isHost("::"), true);
    assert.equal(isHost("gw-1.example"), true);
    assert.equal(isHost(""), false);
    assert.equal(isHost("1.2.3"), false);
    assert.equal(isHost("a_b"), false);
  });
});
