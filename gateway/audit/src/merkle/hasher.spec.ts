import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import fc from "fast-check";
import { merkleHasher, sha256Hasher, sm3Hasher } from "./hasher.js";
import { throwsMerkle, toHex, utf8 } from "./testing-merkle.js";

describe("Merkle hashers", () => {
  // Published in transparency-dev/merkle rfc6962/rfc6962_test.go (TestRFC6962Hasher),
  // hard-coded here rather than read from our generated files: that is the cross-check.
  it("SHA-256 matches the published RFC 6962 known answers", () => {
    assert.equal(toHex(sha256Hasher.emptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(
      toHex(sha256Hasher.hashLeaf(new Uint8Array(0))),
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    assert.equal(
      toHex(sha256Hasher.hashLeaf(utf8("L123456"))),
      "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56",
    );
    assert.equal(
      toHex(sha256Hasher.hashChildren(utf8("N123"), utf8("N456"))),
      "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb",
    );
  });

  it("SM3 matches the B.7 known answers", () => {
    assert.equal(toHex(sm3Hasher.emptyRoot()), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
    assert.equal(
      toHex(sm3Hasher.hashLeaf(new Uint8Array(0))),
      "2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf",
    );
    assert.equal(
      toHex(sm3Hasher.hashLeaf(utf8("L123456"))),
      "b62d3c1e4d175631cb0e267ac43f4fe7d45ab328085a0a0841a5dd99d72665be",
    );
    assert.equal(
      toHex(sm3Hasher.hashChildren(utf8("N123"), utf8("N456"))),
      "ceaddc3c5fbab603a1aa11181127a75c34acfd1a0bcd1ac67e3fa9ed55a5d5b6",
    );
  });

  it("SM3 is the GB/T 32905 hash (published 'abc' example) and agrees with @hutong/certs sm3", () => {
    assert.equal(toHex(sm3(utf8("abc"))), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 70 }), (a, b) => {
        assert.deepEqual(sm3Hasher.hashLeaf(a), sm3(new Uint8Array([0]), a));
        assert.deepEqual(sm3Hasher.hashChildren(a, b), sm3(new Uint8Array([1]), a, b));
      }),
      { numRuns: 200 },
    );
    assert.deepEqual(sm3Hasher.emptyRoot(), sm3());
  });

  it("SHA-256 agrees with node:crypto on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 70 }), (a, b) => {
        const want = createHash("sha256")
          .update(new Uint8Array([1]))
          .update(a)
          .update(b)
          .digest();
        assert.deepEqual(sha256Hasher.hashChildren(a, b), new Uint8Array(want));
      }),
      { numRuns: 100 },
    );
  });

  for (const hasher of [sm3Hasher, sha256Hasher]) {
    it(`${hasher.name}: domain separation and order (no second preimage, no symmetry)`, () => {
      const h1 = hasher.hashLeaf(utf8("Hello"));
      const h2 = hasher.hashLeaf(utf8("World"));
      assert.notDeepEqual(h1, h2);
      const node = hasher.hashChildren(h1, h2);
      const joined = new Uint8Array([...h1, ...h2]);
      assert.notDeepEqual(node, hasher.hashLeaf(joined));
      assert.notDeepEqual(node, hasher.hashChildren(h2, h1));
      assert.equal(node.length, hasher.size);
      assert.equal(hasher.size, 32);
    });

    it(`${hasher.name}: emptyRoot hands out a fresh copy`, () => {
      const first = hasher.emptyRoot();
      first.fill(0);
      assert.notDeepEqual(hasher.emptyRoot(), first);
    });
  }

  it("merkleHasher picks by name and refuses unknown names", () => {
    assert.equal(merkleHasher("sm3"), sm3Hasher);
    assert.equal(merkleHasher("sha256"), sha256Hasher);
    assert.equal(sm3Hasher.name, "sm3");
    assert.equal(sha256Hasher.name, "sha256");
    throwsMerkle(() => merkleHasher("md5" as "sm3"), "malformed");
  });
});
