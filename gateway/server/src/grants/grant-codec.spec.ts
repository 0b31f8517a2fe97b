import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { GrantBody, GrantorKind, Purpose, RecordKind, SignedGrant } from "@hutong/proto";
import {
  decodeGrantBody,
  decodeSignedGrant,
  encodeGrantBody,
  grantIdFor,
  isGrantId,
  validateGrantBody,
} from "./grant-codec.js";
import { type GrantsErrorCode, isGrantsError } from "./grants-error.js";
import { authorityBody, holderBody, testNow } from "./testing-grants.js";

const code = (c: GrantsErrorCode) => (e: unknown) => isGrantsError(e, c);
const raw = (body: GrantBody): Uint8Array => GrantBody.encode(body).finish();
const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe("grant id", () => {
  it("is g1- and the first 32 hex digits of SM3(label || body)", () => {
    // printf 'hutong/v1 grant\x00hello' | openssl dgst -sm3 → 93cc960cf688dc35edc899bbbf3a0a7e49226d63…
    assert.equal(grantIdFor(Buffer.from("hello")), "g1-93cc960cf688dc35edc899bbbf3a0a7e");
    const body = encodeGrantBody(holderBody());
    const full = createHash("sm3").update("hutong/v1 grant\0").update(body).digest("hex");
    assert.equal(grantIdFor(body), `g1-${full.slice(0, 32)}`);
    assert.ok(isGrantId(grantIdFor(body)));
  });

  it("commits to every bit of the body and to the nonce", () => {
    const body = encodeGrantBody(holderBody());
    const id = grantIdFor(body);
    for (let bit = 0; bit < body.length * 8; bit += 37) {
      const flipped = Buffer.from(body);
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      assert.notEqual(grantIdFor(flipped), id, `bit ${bit}`);
    }
    assert.notEqual(grantIdFor(encodeGrantBody(holderBody({ nonce: Buffer.alloc(16, 1) }))), id);
  });

  it("recognizes only the canonical form", () => {
    for (const bad of ["g1-93CC960CF688DC35EDC899BBBF3A0A7E", "g2-93cc960cf688dc35edc899bbbf3a0a7e", "g1-93cc", ""]) {
      assert.equal(isGrantId(bad), false, bad);
    }
  });
});

// The worked example of docs/grants.md: the test holder grant, its exact bytes and its id.
const goldenBody =
  "08011001220b70726f763a3434303030302a0b70726f763a3531303030303220a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" +
  "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a13801420254314802520608f0faf2d0065a0608808c98d10660036a107469636b" +
  "65742e7469636b65745f6e6f6a157469636b65742e70617373656e6765722e6e616d656a127469636b65742e73616c65" +
  "5f737461747573720608f0faf2d0067a105a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

describe("golden grant", () => {
  it("serializes to the documented bytes and id", () => {
    const bytes = encodeGrantBody(holderBody());
    assert.equal(Buffer.from(bytes).toString("hex"), goldenBody);
    assert.equal(grantIdFor(bytes), "g1-427e820e0378fb3134b0a9b91f051a8e");
    assert.deepEqual({ ...decodeGrantBody(Buffer.from(goldenBody, "hex")) }, { ...holderBody() });
  });
});

describe("grant body codec", () => {
  it("round-trips holder and authority bodies", () => {
    for (const body of [holderBody(), authorityBody()]) {
      const decoded = decodeGrantBody(encodeGrantBody(body));
      assert.deepEqual({ ...decoded }, { ...body });
    }
  });

  it("accepts open authority grants: any owner, any record, no use limit", () => {
    const d = decodeGrantBody(encodeGrantBody(authorityBody()));
    assert.equal(d.ownerParty, "");
    assert.deepEqual(d.recordIds, []);
    assert.equal(d.useLimit, 0);
  });

  it("refuses unknown, repeated or mistyped fields (strict wire scan)", () => {
    const body = raw(holderBody());
    const unknownField = new BinaryWriter().tag(16, WireType.Varint).uint32(1).finish();
    const twice = new BinaryWriter().tag(4, WireType.LengthDelimited).string("prov:440000").finish();
    const mistyped = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(new Uint8Array()).finish();
    const group = new BinaryWriter().tag(1, WireType.StartGroup).tag(1, WireType.EndGroup).finish();
    for (const [name, bytes] of [
      ["unknown field", concat(body, unknownField)],
      ["grantee_party twice", concat(body, twice)],
      ["version as bytes", concat(mistyped, body)],
      ["group", concat(group, body)],
      ["truncated", body.subarray(0, body.length - 3)],
      ["empty", new Uint8Array()],
      ["too big", new Uint8Array(16 * 1024 + 1)],
    ] as const) {
      assert.throws(() => decodeGrantBody(bytes), code("malformed"), name);
    }
    // Repeated fields may repeat.
    const extraRecord = new BinaryWriter().tag(8, WireType.LengthDelimited).string("T2").finish();
    assert.deepEqual(decodeGrantBody(concat(body, extraRecord)).recordIds, ["T1", "T2"]);
  });

  it("refuses timestamps finer than a millisecond, out of range, or with stray fields", () => {
    const seconds = BigInt(Math.floor(testNow.getTime() / 1000));
    const stamp = (write: (w: BinaryWriter) => BinaryWriter): Uint8Array =>
      write(new BinaryWriter().tag(10, WireType.LengthDelimited).fork()).join().finish();
    const body = raw(holderBody({ notBefore: undefined }));
    const ok = stamp((w) => w.tag(1, WireType.Varint).int64(seconds).tag(2, WireType.Varint).int32(5_000_000));
    assert.equal(decodeGrantBody(concat(body, ok)).notBefore.getTime(), Number(seconds) * 1000 + 5);
    for (const [name, bytes, c] of [
      [
        "sub-millisecond",
        stamp((w) => w.tag(1, WireType.Varint).int64(seconds).tag(2, WireType.Varint).int32(1)),
        "invalid-grant",
      ],
      ["negative seconds", stamp((w) => w.tag(1, WireType.Varint).int64(-1n)), "invalid-grant"],
      ["year 10000", stamp((w) => w.tag(1, WireType.Varint).int64(253_402_300_800n)), "invalid-grant"],
      ["unknown Timestamp field", stamp((w) => w.tag(3, WireType.Varint).int32(1)), "malformed"],
      [
        "seconds twice",
        stamp((w) => w.tag(1, WireType.Varint).int64(1n).tag(1, WireType.Varint).int64(2n)),
        "malformed",
      ],
    ] as const) {
      assert.throws(() => decodeGrantBody(concat(body, bytes)), code(c), name);
    }
  });

  const rules: Array<[string, Partial<GrantBody>]> = [
    ["version 0", { version: 0 }],
    ["version 2", { version: 2 }],
    ["grantor kind unspecified", { grantorKind: GrantorKind.GRANTOR_KIND_UNSPECIFIED }],
    ["grantor kind unknown", { grantorKind: 7 as GrantorKind }],
    ["holder naming a grantor party", { grantorParty: "mot" }],
    ["holder without owner", { ownerParty: "" }],
    ["holder with invalid owner", { ownerParty: "prov:999999" }],
    ["holder without record ids", { recordIds: [] }],
    ["holder without use limit", { useLimit: 0 }],
    ["invalid grantee", { granteeParty: "province 44" }],
    ["empty grantee", { granteeParty: "" }],
    ["short subject digest", { subjectDigest: Buffer.alloc(31) }],
    ["record kind unspecified", { recordKind: RecordKind.RECORD_KIND_UNSPECIFIED }],
    ["record kind unknown", { recordKind: 9 as RecordKind }],
    ["duplicate record id", { recordIds: ["T1", "T1"] }],
    ["empty record id", { recordIds: [""] }],
    ["record id with a space", { recordIds: ["T 1"] }],
    ["record id too long", { recordIds: ["T".repeat(129)] }],
    ["too many record ids", { recordIds: Array.from({ length: 65 }, (_, i) => `T${i}`) }],
    ["purpose unspecified", { purpose: Purpose.PURPOSE_UNSPECIFIED }],
    ["purpose unknown", { purpose: 99 as Purpose }],
    ["no not_before", { notBefore: undefined }],
    ["no expires_at", { expiresAt: undefined }],
    ["no issued_at", { issuedAt: undefined }],
    ["empty window", { expiresAt: new Date(testNow.getTime() - 3_600_000) }],
    ["issued after expiry", { issuedAt: new Date(testNow.getTime() + 8 * 86_400_000) }],
    ["field of another record kind", { fieldsAllowed: ["licence.licence_id"] }],
    ["malformed field path", { fieldsAllowed: ["ticket.passenger.*"] }],
    ["duplicate field path", { fieldsAllowed: ["ticket.fare_fen", "ticket.fare_fen"] }],
    ["short nonce", { nonce: Buffer.alloc(15) }],
    ["no nonce", { nonce: Buffer.alloc(0) }],
  ];
  for (const [name, override] of rules) {
    it(`refuses a body with ${name}`, () => {
      const body = holderBody(override);
      assert.throws(() => validateGrantBody(body), code("invalid-grant"));
      assert.throws(() => encodeGrantBody(body), code("invalid-grant"));
      assert.throws(() => decodeGrantBody(raw(body)), code("invalid-grant"));
    });
  }

  it("refuses authority bodies with a bad grantor or owner", () => {
    for (const override of [{ grantorParty: "" }, { grantorParty: "ministry" }, { ownerParty: "prov:51" }]) {
      assert.throws(() => encodeGrantBody(authorityBody(override)), code("invalid-grant"), JSON.stringify(override));
    }
  });
});

describe("signed grant codec", () => {
  const good: SignedGrant = {
    body: Buffer.from(encodeGrantBody(holderBody())),
    signature: Buffer.alloc(71, 1),
    signerChain: [Buffer.alloc(300, 2)],
  };

  it("decodes the wrapper and keeps the body as the exact bytes", () => {
    const decoded = decodeSignedGrant(SignedGrant.encode(good).finish());
    assert.ok(Buffer.from(decoded.body).equals(good.body));
  });

  it("refuses malformed wrappers", () => {
    const cases: Array<[string, SignedGrant]> = [
      ["empty body", { ...good, body: Buffer.alloc(0) }],
      ["no signature", { ...good, signature: Buffer.alloc(0) }],
      ["oversized signature", { ...good, signature: Buffer.alloc(81) }],
      ["no chain", { ...good, signerChain: [] }],
      ["empty certificate", { ...good, signerChain: [Buffer.alloc(0)] }],
      ["chain too long", { ...good, signerChain: Array.from({ length: 9 }, () => Buffer.alloc(10)) }],
    ];
    for (const [name, s] of cases) {
      assert.throws(() => decodeSignedGrant(SignedGrant.encode(s).finish()), code("malformed"), name);
    }
    assert.throws(() => decodeSignedGrant(Buffer.from([0x0a, 0x05, 0x01])), code("malformed"));
  });
});
