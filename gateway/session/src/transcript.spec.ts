import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { encodeList, encodeMessage, u8, utf8 } from "./canonical-encoding.js";
import { encodeClientHello, encodeServerHelloSigned, transcriptMessageTypes } from "./transcript.js";

// The hellos are written straight into one buffer; these must stay the exact bytes of the
// generic canonical encoding (session-protocol.md §4), whatever the chains' sizes.
describe("hello transcript encoding", () => {
  it("writes exactly message(type, fields) with the chain as a list, for any chain", () => {
    for (let i = 0; i < 100; i++) {
      const chain = Array.from({ length: 1 + (i % 8) }, (_, j) => randomBytes(1 + ((i * 37 + j * 101) % 2000)));
      const ch = {
        version: 1,
        clientRandom: randomBytes(32),
        clientEphemeral: randomBytes(65),
        clientChain: chain,
        targetParty: `prov:${i}0000/系统`,
        protection: 1 + (i % 2),
      };
      assert.deepEqual(
        encodeClientHello(ch),
        encodeMessage(transcriptMessageTypes.clientHello, [
          u8(ch.version),
          ch.clientRandom,
          ch.clientEphemeral,
          encodeList(chain),
          utf8(ch.targetParty),
          u8(ch.protection),
        ]),
      );
      const sh = { serverRandom: randomBytes(32), serverEphemeral: randomBytes(65), serverChain: chain, protection: 2 };
      assert.deepEqual(
        encodeServerHelloSigned(sh),
        encodeMessage(transcriptMessageTypes.serverHello, [
          sh.serverRandom,
          sh.serverEphemeral,
          encodeList(chain),
          u8(sh.protection),
        ]),
      );
    }
  });

  it("still refuses a version or protection that is not one byte", () => {
    const ch = {
      version: 256,
      clientRandom: randomBytes(32),
      clientEphemeral: randomBytes(65),
      clientChain: [randomBytes(10)],
      targetParty: "mot",
      protection: 2,
    };
    assert.throws(() => encodeClientHello(ch), RangeError);
    assert.throws(() => encodeClientHello({ ...ch, version: 1, protection: -1 }), RangeError);
  });
});
