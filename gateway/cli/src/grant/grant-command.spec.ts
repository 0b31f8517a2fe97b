// `hutong grant sign|register|revoke|show`: a grant signed into a file by a holder (an enterprise
// here, with its holder certificate) or an authority, shown back, refused when changed, then
// registered at the owner's gateway of the development federation through the caller's gateway and
// the hub, revoked there by its grantor, and its state shown at each step.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { certificateToPem, encodeSm2PrivateKeyPem, parseCertificate, type Sm2PrivateKey } from "@hutong/certs";
import { subjectDigest } from "@hutong/gateway";
import { type Federation, federationParties as p, startFederation } from "@hutong/gateway/dev";
import { createTestPki } from "@hutong/gateway/testing";
import { IdType } from "@hutong/proto";
import { type CliRun, runCommandIn } from "../testing.js";
import { grantCommand } from "./grant-command.js";
import type { GrantFile } from "./grant-file.js";

const uscc = "91510100MA6CGUAB32";
const idNo = "11010519491231002X";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** `hutong …` of this group in this process, with bin.ts's exit statuses. */
const runIn = (args: string[]): Promise<CliRun> => runCommandIn(grantCommand, args);

/** A signer's key and chain as PEM files. */
async function signerFiles(
  dir: string,
  name: string,
  signer: { readonly key: Sm2PrivateKey; readonly chain: readonly Uint8Array[] },
): Promise<string[]> {
  const key = join(dir, `${name}-key.pem`);
  const chain = join(dir, `${name}-chain.pem`);
  await writeFile(key, encodeSm2PrivateKeyPem(signer.key));
  await writeFile(chain, signer.chain.map((der) => certificateToPem(parseCertificate(der))).join(""));
  return ["--signer-key", key, "--signer-chain", chain];
}

/** The same file with its JSON changed by `change`. */
interface EditableFile {
  grantId: string;
  body: string;
  signature: string;
  [other: string]: unknown;
}
async function changed(path: string, out: string, change: (f: EditableFile) => void) {
  const f = JSON.parse(await readFile(path, "utf8"));
  change(f);
  await writeFile(out, JSON.stringify(f));
  return out;
}

describe("hutong grant: sign and show, offline", () => {
  let dir: string;
  const subjectKey = new Uint8Array(32).fill(7);
  const enterprise = subjectDigest(subjectKey, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, uscc);
  const pki = createTestPki(new Date());
  let holder: string[];
  let mot: string[];
  let grantFile: string;
  const licenceGrant = (out: string) => [
    "sign",
    ...holder,
    "--grantee",
    "prov:440000",
    "--owner",
    "prov:510000",
    "--purpose",
    "LICENCE_USE",
    "--record-kind",
    "LICENCE",
    "--record-id",
    "L-A",
    "--field",
    "licence.operating_permit",
    "--days",
    "30",
    "--max-uses",
    "5",
    "--out",
    out,
  ];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-grant-cli-"));
    const h = pki.holder(enterprise);
    holder = await signerFiles(dir, "acme", { key: h.key, chain: pki.chain(h) });
    const m = pki.party("mot");
    mot = await signerFiles(dir, "mot", { key: m.key, chain: pki.chain(m) });
    await writeFile(join(dir, "subject-key.hex"), `${hex(subjectKey)}\n`);
    await writeFile(join(dir, "id-no.txt"), `${idNo}\n`);
    grantFile = join(dir, "acme-grant.json");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sign writes an enterprise's holder grant; show prints it back", async () => {
    const signed = await runIn(licenceGrant(grantFile));
    assert.equal(signed.code, 0, signed.stderr);
    const file = JSON.parse(await readFile(grantFile, "utf8")) as GrantFile;
    assert.deepEqual(Object.keys(file), ["format", "grantId", "body", "signature", "signerChain"]);
    assert.equal(file.format, "hutong-grant/v1");
    assert.match(signed.stderr, new RegExp(`grant ${file.grantId} written to`));
    const shown = await runIn(["show", grantFile]);
    assert.equal(shown.code, 0, shown.stderr);
    const json = JSON.parse(shown.stdout);
    assert.deepEqual(json, JSON.parse(signed.stdout), "sign prints what show prints");
    assert.equal(json.grantId, file.grantId);
    assert.equal(json.grantorKind, "HOLDER");
    assert.equal(json.grantorParty, undefined);
    assert.equal(json.subjectDigest, hex(enterprise));
    assert.deepEqual(json.signer.kind, "holder");
    assert.equal(json.signer.subjectDigest, hex(enterprise));
    assert.deepEqual(
      [json.granteeParty, json.ownerParty, json.recordKind, json.recordIds, json.purpose, json.useLimit],
      ["prov:440000", "prov:510000", "LICENCE", ["L-A"], "LICENCE_USE", 5],
    );
    assert.deepEqual(json.fieldsAllowed, ["licence.operating_permit"]);
    assert.equal(Date.parse(json.expiresAt) - Date.parse(json.notBefore), 30 * 86_400_000);
  });

  it("an authority names a person by id type and number, digested: the number appears nowhere", async () => {
    const out = join(dir, "emergency.json");
    const r = await runIn([
      "sign",
      ...mot,
      "--grantee",
      "prov:440000",
      "--purpose",
      "EMERGENCY",
      "--record-kind",
      "E_TICKET",
      "--field",
      "ticket.passenger",
      "--days",
      "1",
      "--max-uses",
      "0",
      "--subject-id-type",
      "RESIDENT_ID_CARD",
      "--subject-id-no",
      `@${join(dir, "id-no.txt")}`,
      "--subject-key-file",
      join(dir, "subject-key.hex"),
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.grantorKind, "AUTHORITY");
    assert.equal(json.grantorParty, "mot");
    assert.equal(json.ownerParty, "");
    assert.equal(json.subjectDigest, hex(subjectDigest(subjectKey, IdType.ID_TYPE_RESIDENT_ID_CARD, idNo)));
    const shown = await runIn(["show", out]);
    for (const text of [r.stdout, r.stderr, shown.stdout, await readFile(out, "latin1")]) {
      assert.ok(!text.includes(idNo) && !text.includes(idNo.toLowerCase()), "the ID number in clear");
    }
    // Nor on the command line: argv shows in ps and shell history.
    const argv = await runIn([
      "sign",
      ...mot,
      "--grantee",
      "prov:440000",
      "--purpose",
      "EMERGENCY",
      "--record-kind",
      "E_TICKET",
      "--days",
      "1",
      "--subject-id-type",
      "201",
      "--subject-id-no",
      idNo,
      "--subject-key-file",
      join(dir, "subject-key.hex"),
      "--out",
      join(dir, "x.json"),
    ]);
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /never the number itself/);
    assert.ok(!argv.stderr.includes(idNo));
  });

  it("sign refuses grants the owner's gateway would refuse, with the reason", async () => {
    const noOwner = licenceGrant(join(dir, "y.json")).filter(
      (a, i, all) => a !== "--owner" && all[i - 1] !== "--owner",
    );
    const r1 = await runIn(noOwner);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /names its --owner/);
    const tooMany = licenceGrant(join(dir, "y.json")).map((a) => (a === "5" ? "11" : a));
    const r2 = await runIn(tooMany);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /exceeds-policy/);
    const badField = [...licenceGrant(join(dir, "y.json")), "--field", "ticket.passenger"];
    const r3 = await runIn(badField);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /fields_allowed/);
    const aboutOther = [...licenceGrant(join(dir, "y.json")), "--subject-uscc", "91440300MA5FXXXX1B"];
    assert.equal((await runIn(aboutOther)).code, 2);
  });

  it("show and register refuse a changed file with the reason, before anything is sent", async () => {
    // A byte of the signed body changed (the nonce, so the body still decodes).
    const body = await changed(grantFile, join(dir, "body.json"), (f) => {
      const b = Buffer.from(f.body, "base64");
      b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
      f.body = b.toString("base64");
    });
    const id = await changed(grantFile, join(dir, "id.json"), (f) => {
      f.grantId = "g1-00000000000000000000000000000000";
    });
    const signature = await changed(grantFile, join(dir, "sig.json"), (f) => {
      f.signature = f.signature.replace(/^.{4}/, "AAAA");
    });
    const notBase64 = await changed(grantFile, join(dir, "b64.json"), (f) => {
      f.signature = "not base64!";
    });
    const extra = await changed(grantFile, join(dir, "extra.json"), (f) => {
      f.comment = "hi";
    });
    const cases: [string, RegExp][] = [
      [body, /the grant does not hold together \((bad-signature|malformed|invalid-grant)\)/],
      [id, /was changed: it says grant g1-0{32}, but its body is grant g1-[0-9a-f]{32}/],
      [signature, /the grant does not hold together \((bad-signature|malformed)\)/],
      [notBase64, /signature is not base64/],
      [extra, /unknown fields: comment/],
    ];
    for (const [file, reason] of cases) {
      const shown = await runIn(["show", file]);
      assert.equal(shown.code, 1, file);
      assert.match(shown.stderr, reason);
      assert.equal(shown.stdout, "");
      // No session flags: the file is refused before a gateway is even looked for.
      const registered = await runIn(["register", file]);
      assert.equal(registered.code, 1, file);
      assert.match(registered.stderr, reason);
      assert.match(registered.stderr, /not registered/);
    }
    const missing = await runIn(["show", join(dir, "nope.json")]);
    assert.equal(missing.code, 2);
  });
});

describe("hutong grant register, show --state, revoke: at the owner's gateway, through the caller's", () => {
  let dir: string;
  let fed: Federation;
  let profile: string;
  let holder: string[];
  let grantFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-grant-fed-"));
    fed = await startFederation(dir);
    // Guangdong's ticketing system registers the grant it was given at Sichuan's gateway.
    profile = join(dir, "guangdong-profile.json");
    await writeFile(
      profile,
      JSON.stringify({
        address: `127.0.0.1:${fed.guangdong.address.port}`,
        gateway: p.guangdong,
        ...fed.pki.party(p.guangdongTicketing),
        trust: [fed.pki.rootCert],
        crl: fed.pki.crls,
      }),
    );
    const key = Buffer.from((await readFile(await fed.pki.subjectKeyFile(), "utf8")).trim(), "hex");
    const acme = fed.pki.holder(subjectDigest(key, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, uscc));
    holder = await signerFiles(dir, "acme", { key: acme.privateKey, chain: acme.chain });
    grantFile = join(dir, "grant.json");
    const r = await runIn([
      "sign",
      ...holder,
      "--grantee",
      p.guangdong,
      "--owner",
      p.sichuan,
      "--purpose",
      "LICENCE_USE",
      "--record-kind",
      "LICENCE",
      "--record-id",
      "51-L-0001",
      "--field",
      "licence.operating_permit",
      "--days",
      "7",
      "--max-uses",
      "3",
      "--out",
      grantFile,
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("registers, shows ACTIVE, revokes by the grantor, shows REVOKED, and refuses to register it again", async () => {
    const { grantId } = JSON.parse(await readFile(grantFile, "utf8")) as GrantFile;
    const registered = await runIn(["register", grantFile, "--profile", profile]);
    assert.equal(registered.code, 0, registered.stderr);
    const reg = JSON.parse(registered.stdout);
    assert.deepEqual([reg.grantId, reg.gateway, reg.status, reg.uses], [grantId, p.sichuan, "ACTIVE", 0]);
    // Registering again returns the same record.
    assert.equal(JSON.parse((await runIn(["register", grantFile, "--profile", profile])).stdout).status, "ACTIVE");

    const state = await runIn(["show", grantFile, "--state", "--profile", profile]);
    assert.equal(state.code, 0, state.stderr);
    const shown = JSON.parse(state.stdout);
    assert.equal(shown.grantId, grantId);
    assert.equal(shown.grantorKind, "HOLDER");
    assert.deepEqual(shown.state.status, "ACTIVE");
    // By id, without the file.
    const byId = await runIn([
      "show",
      "--state",
      "--id",
      grantId,
      "--owner",
      p.sichuan,
      "--purpose",
      "LICENCE_USE",
      "--profile",
      profile,
    ]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.deepEqual(JSON.parse(byId.stdout), shown);

    const revoked = await runIn(["revoke", grantFile, ...holder, "--profile", profile]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const rev = JSON.parse(revoked.stdout);
    assert.deepEqual([rev.grantId, rev.status, rev.revokedReason], [grantId, "REVOKED", "WITHDRAWN"]);
    const after = JSON.parse((await runIn(["show", grantFile, "--state", "--profile", profile])).stdout);
    assert.equal(after.state.status, "REVOKED");
    assert.ok(after.state.revokedAt);

    const again = await runIn(["register", grantFile, "--profile", profile]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^ERROR: FAILED_PRECONDITION: /);
  });

  it("refuses a revocation by someone the grant does not entitle, and an unknown grant", async () => {
    const other = await runIn([
      "sign",
      ...holder,
      "--grantee",
      p.guangdong,
      "--owner",
      p.sichuan,
      "--purpose",
      "LICENCE_USE",
      "--record-kind",
      "LICENCE",
      "--record-id",
      "51-L-0002",
      "--days",
      "7",
      "--out",
      join(dir, "other.json"),
    ]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal((await runIn(["register", join(dir, "other.json"), "--profile", profile])).code, 0);
    // Another enterprise's holder certificate may not withdraw it.
    const key = Buffer.from((await readFile(await fed.pki.subjectKeyFile(), "utf8")).trim(), "hex");
    const rival = fed.pki.holder(subjectDigest(key, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, "91440300MA5FXXXX1B"));
    const refused = await runIn([
      "revoke",
      join(dir, "other.json"),
      ...(await signerFiles(dir, "rival", { key: rival.privateKey, chain: rival.chain })),
      "--profile",
      profile,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^ERROR: (PERMISSION_DENIED|INVALID_ARGUMENT|FAILED_PRECONDITION): /);
    const unknown = await runIn([
      "show",
      "--state",
      "--id",
      "g1-0123456789abcdef0123456789abcdef",
      "--owner",
      p.sichuan,
      "--purpose",
      "LICENCE_USE",
      "--profile",
      profile,
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ERROR: NOT_FOUND: /);
  });
});
