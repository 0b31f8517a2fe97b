import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FinishResponse } from "@hutong/proto";
import { isSessionError } from "./session-error.js";
import { encodeMessage, finishRequest, finishResponse, helloRequest, helloResponse } from "./session-messages.js";
import { handshake, serverParty, testClient } from "./testing-fixtures.js";

const malformed = (message: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, "malformed"), `expected SessionError malformed, got ${String(e)}`);
  assert.match(e.message, message);
  return true;
};

describe("handshake messages on the wire", () => {
  it("round-trip all four messages, the protection included", async () => {
    const { serverHello, serverFinish, awaiting } = await handshake();
    const clientHello = testClient().start(serverParty).clientHello;
    const again = <T>(codec: { encode(m: T): Buffer; decode(b: Uint8Array): T }, m: T) =>
      assert.deepEqual(codec.encode(codec.decode(codec.encode(m))), codec.encode(m));
    again(helloRequest, clientHello);
    again(helloResponse, serverHello);
    again(finishRequest, awaiting.clientFinish);
    again(finishResponse, serverFinish);
    const ch = helloRequest.decode(helloRequest.encode(clientHello));
    assert.equal(ch.targetParty, serverParty);
    assert.equal(ch.protection, 2);
    assert.equal(helloResponse.decode(helloResponse.encode(serverHello)).protection, 2);
    assert.ok(Buffer.from(ch.clientEphemeral).equals(clientHello.clientEphemeral));
    assert.equal(finishResponse.decode(finishResponse.encode(serverFinish)).expiresAt, serverFinish.expiresAt);
  });

  it("refuse bytes that are not protobuf as malformed, naming the message", () => {
    const garbage = Uint8Array.of(0xff, 0xff, 0xff);
    assert.throws(() => helloRequest.decode(garbage), malformed(/^HelloRequest is not valid protobuf$/));
    assert.throws(() => helloResponse.decode(garbage), malformed(/^HelloResponse is not valid protobuf$/));
    assert.throws(() => finishRequest.decode(Uint8Array.of(0x0a, 0x05, 1)), malformed(/^FinishRequest/));
    assert.throws(() => finishResponse.decode(garbage), malformed(/^FinishResponse/));
  });

  it("refuse an expiresAt past Number.MAX_SAFE_INTEGER rather than round it", () => {
    const encode = (expiresAt: bigint) =>
      encodeMessage(FinishResponse, { ticket: Buffer.from([1]), expiresAt, serverFinished: Buffer.alloc(32) });
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    assert.equal(finishResponse.decode(encode(max)).expiresAt, Number.MAX_SAFE_INTEGER);
    assert.throws(() => finishResponse.decode(encode(max + 1n)), malformed(/expiresAt out of range/));
  });
});
