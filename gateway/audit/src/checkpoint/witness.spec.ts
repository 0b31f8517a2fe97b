import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sm3Hasher } from "../merkle/index.js";
import { type Checkpoint, signCheckpoint } from "./checkpoint.js";
import { isCheckpointError } from "./checkpoint-error.js";
import { cosignatureVerifierFromPublicKey, createCosignatureSigner, verifyCosignature } from "./cosignature.js";
import { createNoteSigner, noteVerifierFromPublicKey } from "./note-key.js";
import { maxNoteBytes, signNote } from "./signed-note.js";
import {
  anyCodePoints,
  leafHashes,
  logKey,
  logOrigin,
  otherKey,
  proofBetween,
  rootOf,
  witnessKey,
  witnessName,
} from "./testing-fixtures.js";
import {
  type AddCheckpointOutcome,
  createWitnessConfig,
  decideAddCheckpoint,
  formatAddCheckpointRequest,
  maxConsistencyProofLines,
  parseAddCheckpointRequest,
  type WitnessState,
  witnessResponse,
} from "./witness.js";

const throwsCode = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => isCheckpointError(e) && e.code === code);

const now = 1_780_272_000_000;
const logSigner = createNoteSigner(logOrigin, logKey);
const config = createWitnessConfig({
  signer: createCosignatureSigner(witnessName, witnessKey),
  logs: [{ origin: logOrigin, verifiers: [noteVerifierFromPublicKey(logOrigin, logKey.publicKey)] }],
});
const witnessVerifier = cosignatureVerifierFromPublicKey(witnessName, witnessKey.publicKey);

const history = leafHashes(20);
const forked = leafHashes(20, "forked");
const checkpointOf = (leaves: readonly Uint8Array[], size: number): Checkpoint => ({
  origin: logOrigin,
  size,
  root: rootOf(leaves.slice(0, size)),
});
const signed = (cp: Checkpoint, signer = logSigner) => signCheckpoint(signer, cp);

function decide(body: string, state: WitnessState | undefined): AddCheckpointOutcome {
  return decideAddCheckpoint({ config, request: parseAddCheckpointRequest(body), state, now });
}

/** A request from `old` to `size` of `leaves`, with the RFC 9162 proof between them. */
function grow(leaves: readonly Uint8Array[], old: number, size: number): string {
  return formatAddCheckpointRequest({
    oldSize: old,
    proof: proofBetween(leaves.slice(0, size), old),
    checkpointNote: signed(checkpointOf(leaves, size)),
  });
}

function stateAt(leaves: readonly Uint8Array[], size: number): WitnessState {
  const cp = checkpointOf(leaves, size);
  return { origin: logOrigin, size, root: cp.root, checkpointNote: signed(cp) };
}

describe("add-checkpoint request wire format", () => {
  // The example body of c2sp.org/tlog-witness (an Ed25519, SHA-256 log).
  const c2spRequest =
    "old 20852014\n" +
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n" +
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n" +
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n" +
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n" +
    "\n" +
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" +
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" +
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

  it("parses the C2SP example and formats it back byte for byte", () => {
    const r = parseAddCheckpointRequest(c2spRequest);
    assert.equal(r.oldSize, 20852014);
    assert.equal(r.proof.length, 4);
    assert.equal(
      Buffer.from(r.proof[3] as Uint8Array).toString("base64"),
      "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
    );
    assert.equal(r.origin, "example.com/behind-the-sofa");
    assert.ok(r.checkpointNote.startsWith("example.com/behind-the-sofa\n20852163\n"));
    assert.equal(formatAddCheckpointRequest(r), c2spRequest);
    assert.deepEqual(parseAddCheckpointRequest(new Uint8Array(Buffer.from(c2spRequest))), r);
    // An unknown origin to this witness: 404, before any signature work.
    assert.deepEqual(decide(c2spRequest, undefined), { kind: "unknown-origin", status: 404 });
  });

  it("round-trips our own requests, with 0 to 63 proof lines", () => {
    const note = signed(checkpointOf(history, 5));
    fc.assert(
      fc.property(
        fc.maxSafeNat(),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: maxConsistencyProofLines }),
        (oldSize, proof) => {
          const r = parseAddCheckpointRequest(formatAddCheckpointRequest({ oldSize, proof, checkpointNote: note }));
          assert.deepEqual(r, { oldSize, proof, checkpointNote: note, origin: logOrigin });
        },
      ),
      { numRuns: 100 },
    );
  });

  const note = signed(checkpointOf(history, 5));
  const hash = `${Buffer.alloc(32, 7).toString("base64")}\n`;
  const bad: Array<[string, string | Uint8Array]> = [
    ["an empty body", ""],
    ["no old line", `${hash}\n${note}`],
    ["`old` without a size", `old\n\n${note}`],
    ["`old` with two spaces", `old  5\n\n${note}`],
    ["an old size with a leading zero", `old 05\n\n${note}`],
    ["a negative old size", `old -1\n\n${note}`],
    ["an old size of 2^53", `old 9007199254740992\n\n${note}`],
    ["`OLD`", `OLD 5\n\n${note}`],
    ["a CRLF old line", `old 5\r\n\r\n${note}`],
    ["no blank line", `old 5\n${note}`],
    ["nothing after the old line", "old 5\n"],
    ["a proof line without its newline", `old 5\n${hash.trimEnd()}`],
    ["a 31-byte proof hash", `old 5\n${Buffer.alloc(31).toString("base64")}\n\n${note}`],
    ["a 33-byte proof hash", `old 5\n${Buffer.alloc(33).toString("base64")}\n\n${note}`],
    ["a non-canonical proof hash", `old 5\n${hash.replace("=", "")}\n${note}`],
    [`${maxConsistencyProofLines + 1} proof lines`, `old 5\n${hash.repeat(maxConsistencyProofLines + 1)}\n${note}`],
    ["no checkpoint", "old 5\n\n"],
    ["an unsigned checkpoint", `old 5\n\n${logOrigin}\n5\n${Buffer.alloc(32).toString("base64")}\n`],
    ["a note that is not a checkpoint", `old 5\n\nhello\n\n${note.slice(note.lastIndexOf("— "))}`],
    ["a checkpoint with an extension line", `old 5\n\n${note.replace("\n\n", "\nextra\n\n")}`],
    ["invalid UTF-8", Uint8Array.from([...Buffer.from(`old 5\n\n${note}`), 0xff])],
    ["a body over the size limit", `old 5\n\n${"x".repeat(maxNoteBytes + 4096)}${note}`],
    [
      "a byte body over the size limit",
      new Uint8Array(Buffer.from(`old 5\n\n${"x".repeat(maxNoteBytes + 4096)}${note}`)),
    ],
  ];
  for (const [what, body] of bad) {
    it(`rejects ${what}`, () => throwsCode(() => parseAddCheckpointRequest(body), "malformed-request"));
  }

  it("accepts exactly 63 proof lines", () => {
    assert.equal(
      parseAddCheckpointRequest(`old 5\n${hash.repeat(maxConsistencyProofLines)}\n${note}`).proof.length,
      63,
    );
  });

  it("never throws anything but a CheckpointError on arbitrary input", () => {
    const parts = fc.constantFrom("old ", "5", "0", "\n", hash, note, "— ", " ", "=");
    for (const arbitrary of [anyCodePoints, fc.array(parts).map((p) => p.join(""))]) {
      fc.assert(
        fc.property(arbitrary, (input) => {
          try {
            parseAddCheckpointRequest(input);
          } catch (e) {
            assert.ok(isCheckpointError(e, "malformed-request"), String(e));
          }
        }),
        { numRuns: 500 },
      );
    }
  });

  it("refuses to format a request it could not parse back", () => {
    throwsCode(() => formatAddCheckpointRequest({ oldSize: -1, proof: [], checkpointNote: note }), "invalid-argument");
    throwsCode(
      () => formatAddCheckpointRequest({ oldSize: 1, proof: [new Uint8Array(31)], checkpointNote: note }),
      "invalid-argument",
    );
    throwsCode(() => formatAddCheckpointRequest({ oldSize: 1, proof: [], checkpointNote: "x\n" }), "malformed-note");
  });
});

describe("witness add-checkpoint decision", () => {
  it("cosigns a first checkpoint (old 0), then growth with a valid consistency proof", () => {
    const first = decide(grow(history, 0, 5), undefined);
    assert.equal(first.kind, "cosigned");
    if (first.kind !== "cosigned") return;
    assert.equal(first.status, 200);
    assert.deepEqual(first.newState.root, checkpointOf(history, 5).root);
    assert.equal(first.newState.size, 5);
    assert.equal(first.newState.origin, logOrigin);
    assert.equal(
      verifyCosignature(first.newState.checkpointNote + first.cosignature, witnessVerifier).timestamp,
      now / 1000,
    );

    for (const [from, to] of [
      [5, 13],
      [13, 16],
      [16, 20],
    ] as const) {
      const state = stateAt(history, from);
      const next = decide(grow(history, from, to), state);
      assert.equal(next.kind, "cosigned", `${from} → ${to}`);
      if (next.kind === "cosigned") assert.equal(next.newState.size, to);
    }
  });

  it("cosigns the same checkpoint again (same size, same root, empty proof)", () => {
    const out = decide(grow(history, 7, 7), stateAt(history, 7));
    assert.equal(out.kind, "cosigned");
  });

  it("cosigns the empty tree only with the empty-tree root", () => {
    const empty = { origin: logOrigin, size: 0, root: sm3Hasher.emptyRoot() };
    const ok = formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpointNote: signed(empty) });
    assert.equal(decide(ok, undefined).kind, "cosigned");
    const wrong = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpointNote: signed({ ...empty, root: new Uint8Array(32) }),
    });
    assert.deepEqual(decide(wrong, undefined), { kind: "same-size-different-root", status: 409, size: 0 });
  });

  it("404 for an origin it does not witness", () => {
    const elsewhere = "hutong.example/audit/prov:440000/sm3";
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpointNote: signCheckpoint(createNoteSigner(elsewhere, logKey), {
        ...checkpointOf(history, 3),
        origin: elsewhere,
      }),
    });
    assert.deepEqual(decide(body, undefined), { kind: "unknown-origin", status: 404 });
  });

  it("403 for a checkpoint signed by an unknown key", () => {
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpointNote: signed(checkpointOf(history, 3), createNoteSigner(logOrigin, otherKey)),
    });
    assert.deepEqual(decide(body, undefined), { kind: "untrusted", status: 403 });
  });

  it("403 for a tampered body (the log's signature no longer verifies)", () => {
    const body = grow(history, 0, 5).replace("\n5\n", "\n6\n");
    assert.equal(parseAddCheckpointRequest(body).origin, logOrigin);
    assert.deepEqual(decide(body, undefined), { kind: "untrusted", status: 403 });
  });

  it("400 when old is larger than the checkpoint", () => {
    const body = formatAddCheckpointRequest({
      oldSize: 9,
      proof: [],
      checkpointNote: signed(checkpointOf(history, 5)),
    });
    assert.deepEqual(decide(body, stateAt(history, 9)), { kind: "old-greater-than-new", status: 400 });
  });

  it("409 with its own size when old is not the size it last cosigned", () => {
    assert.deepEqual(decide(grow(history, 0, 8), stateAt(history, 5)), { kind: "size-conflict", status: 409, size: 5 });
    assert.deepEqual(decide(grow(history, 3, 8), stateAt(history, 5)), { kind: "size-conflict", status: 409, size: 5 });
    assert.deepEqual(decide(grow(history, 3, 8), undefined), { kind: "size-conflict", status: 409, size: 0 });
  });

  it("422 for a non-empty proof from old 0", () => {
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [new Uint8Array(32)],
      checkpointNote: signed(checkpointOf(history, 5)),
    });
    assert.deepEqual(decide(body, undefined), { kind: "non-empty-proof-from-zero", status: 422 });
  });

  it("422 for a bad proof: altered hash, missing hash, extra hash, proof for other sizes", () => {
    const note = signed(checkpointOf(history, 13));
    const good = proofBetween(history.slice(0, 13), 5);
    const altered = good.map((h, i) => (i === 1 ? Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b)) : h));
    for (const proof of [
      altered,
      good.slice(1),
      [...good, new Uint8Array(32)],
      proofBetween(history.slice(0, 13), 6),
    ]) {
      const body = formatAddCheckpointRequest({ oldSize: 5, proof, checkpointNote: note });
      assert.deepEqual(decide(body, stateAt(history, 5)), { kind: "bad-proof", status: 422 });
    }
    // A non-empty proof between equal sizes is a bad proof too.
    const same = formatAddCheckpointRequest({
      oldSize: 5,
      proof: [new Uint8Array(32)],
      checkpointNote: signed(checkpointOf(history, 5)),
    });
    assert.deepEqual(decide(same, stateAt(history, 5)), { kind: "bad-proof", status: 422 });
  });

  it("refuses a fork at the same size: another root for the size it cosigned", () => {
    const body = formatAddCheckpointRequest({ oldSize: 5, proof: [], checkpointNote: signed(checkpointOf(forked, 5)) });
    assert.deepEqual(decide(body, stateAt(history, 5)), { kind: "same-size-different-root", status: 409, size: 5 });
  });

  it("refuses a fork that grows: a larger tree not extending the one it cosigned, even with that tree's own proof", () => {
    // The forked log proves 5 → 12 consistently within its own history; the witness holds the honest root at 5.
    const body = grow(forked, 5, 12);
    assert.deepEqual(decide(body, stateAt(history, 5)), { kind: "bad-proof", status: 422 });
    // The same request against the forked state would be fine: the refusal is due to the witness's memory.
    assert.equal(decide(body, stateAt(forked, 5)).kind, "cosigned");
  });

  it("throws, never cosigns, for a request that did not come from the parser (a caller's bug, not a 4xx)", () => {
    const direct = (checkpointNote: string) => () =>
      decideAddCheckpoint({
        config,
        request: { origin: logOrigin, oldSize: 0, proof: [], checkpointNote },
        state: undefined,
        now,
      });
    throwsCode(direct("not a note"), "malformed-note");
    throwsCode(direct(signNote("hello\n", [logSigner])), "malformed-checkpoint");
  });

  it("refuses to decide with the state of another origin", () => {
    const state = { ...stateAt(history, 5), origin: "hutong.example/audit/prov:440000/sm3" };
    throwsCode(() => decide(grow(history, 5, 8), state), "invalid-argument");
  });

  it("maps outcomes to the spec's HTTP responses", () => {
    assert.deepEqual(witnessResponse({ kind: "size-conflict", status: 409, size: 5 }), {
      status: 409,
      contentType: "text/x.tlog.size",
      body: "5\n",
    });
    assert.deepEqual(witnessResponse({ kind: "same-size-different-root", status: 409, size: 0 }), {
      status: 409,
      contentType: "text/x.tlog.size",
      body: "0\n",
    });
    assert.deepEqual(witnessResponse({ kind: "unknown-origin", status: 404 }), {
      status: 404,
      contentType: "text/plain; charset=utf-8",
      body: "unknown-origin\n",
    });
    const out = decide(grow(history, 0, 3), undefined);
    assert.equal(out.kind, "cosigned");
    const r = witnessResponse(out);
    assert.equal(r.status, 200);
    assert.ok(r.body.startsWith(`— ${witnessName} `) && r.body.endsWith("\n"));
  });
});

describe("witness configuration", () => {
  const signer = createCosignatureSigner(witnessName, witnessKey);
  const verifier = noteVerifierFromPublicKey(logOrigin, logKey.publicKey);

  it("keeps several keys per log for rotation", () => {
    const next = noteVerifierFromPublicKey(logOrigin, otherKey.publicKey);
    const rotating = createWitnessConfig({ signer, logs: [{ origin: logOrigin, verifiers: [verifier, next] }] });
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpointNote: signed(checkpointOf(history, 3), createNoteSigner(logOrigin, otherKey)),
    });
    const out = decideAddCheckpoint({
      config: rotating,
      request: parseAddCheckpointRequest(body),
      state: undefined,
      now,
    });
    assert.equal(out.kind, "cosigned");
  });

  it("refuses origins not bound to SM3, duplicates, keyless logs and keys named after another origin", () => {
    const sha = "hutong.example/audit/prov:510000";
    throwsCode(
      () =>
        createWitnessConfig({
          signer,
          logs: [{ origin: sha, verifiers: [noteVerifierFromPublicKey(sha, logKey.publicKey)] }],
        }),
      "invalid-argument",
    );
    throwsCode(
      () =>
        createWitnessConfig({
          signer,
          logs: [
            { origin: logOrigin, verifiers: [verifier] },
            { origin: logOrigin, verifiers: [verifier] },
          ],
        }),
      "invalid-argument",
    );
    throwsCode(() => createWitnessConfig({ signer, logs: [{ origin: logOrigin, verifiers: [] }] }), "invalid-argument");
    const misnamed = noteVerifierFromPublicKey("hutong.example/audit/prov:440000/sm3", logKey.publicKey);
    throwsCode(
      () => createWitnessConfig({ signer, logs: [{ origin: logOrigin, verifiers: [misnamed] }] }),
      "invalid-argument",
    );
  });
});
