import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { isCertsError } from "@hutong/certs";
import { blueRequest } from "../testing.js";
import { instructionSealer, type TaxInstruction } from "./tax-instruction.js";

const idNo = "510104199001011234";
const name = "张三";
const serial = "0123456789ABCDEF0123456789ABCDEF";

const blue: TaxInstruction = { t: "blue", request: blueRequest({ fpqqlsh: serial }) };
const red: TaxInstruction = {
  t: "red",
  fpqqlsh: serial,
  slipSerial: "FEDCBA9876543210FEDCBA9876543210",
  sellers: ["91510100MA61234567"],
  blue: { serial: "00112233445566778899AABBCCDDEEFF" },
  chyyDm: "03",
  amount: { hzcxje: "-50.00", hzcxse: "-4.50" },
  lines: [{ lzmxxh: 1, je: "-50.00", se: "-4.50" }],
};

describe("instructionSealer", () => {
  const key = randomBytes(32);
  const sealer = instructionSealer(key);

  it("opens what it sealed, blue or red, full or partial", () => {
    // The blue request holds the traveller: the fixture must, for the leak check below to mean anything.
    assert.equal(blue.t === "blue" && blue.request.lkysfwtdysList[0]?.sfzjhm, idNo);
    const fullRed: TaxInstruction = { ...red, blue: { fphm: "26512000000000000001" }, lines: [] };
    delete (fullRed as { amount?: unknown }).amount;
    for (const i of [blue, red, fullRed]) assert.deepEqual(sealer.open(sealer.seal(i, serial), serial), i);
  });

  it("seals the same instruction differently each time (a fresh IV)", () => {
    const a = Buffer.from(sealer.seal(blue, serial));
    const b = Buffer.from(sealer.seal(blue, serial));
    assert.ok(!a.equals(b));
  });

  it("does not show the traveller in the sealed bytes", () => {
    const sealed = Buffer.from(sealer.seal(blue, serial));
    for (const v of [idNo, name]) assert.equal(sealed.indexOf(Buffer.from(v, "utf8")), -1, v);
    assert.ok(!sealed.toString("latin1").includes(idNo));
  });

  it("refuses to open under another serial: a payload moved to another message", () => {
    const sealed = sealer.seal(blue, serial);
    assert.throws(
      () => sealer.open(sealed, "FEDCBA9876543210FEDCBA9876543210"),
      (e) => isCertsError(e, "bad-signature"),
    );
    assert.throws(
      () => sealer.open(sealed, ""),
      (e) => isCertsError(e, "bad-signature"),
    );
  });

  it("refuses to open under another key", () => {
    const sealed = sealer.seal(blue, serial);
    assert.throws(
      () => instructionSealer(randomBytes(32)).open(sealed, serial),
      (e) => isCertsError(e, "bad-signature"),
    );
  });

  it("refuses a payload changed in transit or at rest", () => {
    const sealed = Buffer.from(sealer.seal(red, serial));
    const flipped = Buffer.from(sealed);
    flipped[20] = (flipped[20] as number) ^ 1;
    assert.throws(
      () => sealer.open(flipped, serial),
      (e) => isCertsError(e, "bad-signature"),
    );
    assert.throws(
      () => sealer.open(sealed.subarray(0, sealed.length - 16), serial),
      (e) => isCertsError(e),
    );
    assert.throws(
      () => sealer.open(new Uint8Array(0), serial),
      (e) => isCertsError(e, "malformed"),
    );
  });

  it("wants a 32-byte key", () => {
    assert.throws(
      () => instructionSealer(randomBytes(16)),
      (e) => isCertsError(e, "invalid-argument"),
    );
    assert.throws(
      () => instructionSealer(randomBytes(33)),
      (e) => isCertsError(e, "invalid-argument"),
    );
  });
});
