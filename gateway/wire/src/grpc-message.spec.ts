import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeGrpcMessage, encodeGrpcMessage } from "./grpc-message.js";

describe("grpc-message percent-encoding", () => {
  it("leaves printable ASCII alone and escapes %, controls and UTF-8", () => {
    assert.equal(encodeGrpcMessage("not found: T-1"), "not found: T-1");
    assert.equal(encodeGrpcMessage("100%"), "100%25");
    assert.equal(encodeGrpcMessage("a\nb"), "a%0Ab");
    assert.equal(encodeGrpcMessage("拒"), "%E6%8B%92");
  });

  it("round-trips any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const encoded = encodeGrpcMessage(s);
        assert.match(encoded, /^[\x20-\x7e]*$/);
        assert.equal(decodeGrpcMessage(encoded), s);
      }),
    );
  });

  it("keeps malformed escapes literally", () => {
    assert.equal(decodeGrpcMessage("50%"), "50%");
    assert.equal(decodeGrpcMessage("%zz%4"), "%zz%4");
    assert.equal(decodeGrpcMessage("%e6%8b%92"), "拒");
    assert.equal(decodeGrpcMessage("ok 拒 %41"), "ok 拒 A");
  });
});
