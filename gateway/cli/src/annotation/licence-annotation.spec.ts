// 加注件 for licences, as for tickets: a Guangdong system fetches a Sichuan licence through the
// hub for supervision, keeps the copy Sichuan's gateway signed, and `hutong annotation verify`
// accepts it offline; it refuses the copy with one byte changed, against anchors that do not
// include the signing gateway's, and at a time past its validity.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AnnotatedCopyFile, annotatedCopyFileOf } from "@hutong/client";
import { openDevPki } from "@hutong/gateway/dev";
import { recordWorkload } from "@hutong/licensing";
import {
  issuerParty,
  type LicenceFederation,
  licenceWorkload,
  startLicenceFederation,
  yunzhengParty,
} from "@hutong/licensing/dev";
import { Annotation, GetLicenceRequest, Licence, LicenceServiceService, Purpose, shareMethods } from "@hutong/proto";
import { type CliRun, runCommandIn } from "../testing.js";
import { annotationCommand } from "./annotation-command.js";

/** `hutong …` of this group in this process, with bin.ts's exit statuses. */
const runIn = (args: string[]): Promise<CliRun> => runCommandIn(annotationCommand, args);

describe("hutong annotation verify, on an annotated licence copy", () => {
  let dir: string;
  let fed: LicenceFederation;
  let copy: AnnotatedCopyFile;
  let licenceId: string;
  const write = async (name: string, file: unknown) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(file));
    return path;
  };
  const trust = () => ["--anchors", fed.plan.pki.rootCert, ...fed.plan.pki.crls.flatMap((c) => ["--crls", c])];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-licence-annotation-"));
    // Copies valid one day, so a time past it still has current CRLs (they are good for seven).
    fed = await startLicenceFederation(dir, { provinces: ["510000", "440000"], annotationValidityDays: 1 });
    const w = licenceWorkload({
      province: "510000",
      licences: 10,
      seed: 3,
      startMs: Date.now() - 86_400_000,
      defectRate: 0,
    });
    const yz = await fed.client(yunzhengParty("510000"));
    await recordWorkload(w.events, { client: () => yz, issuer: issuerParty("510000") });
    const practitioner = w.events.find((e) => e.licence?.details?.$case === "practitionerQualification")?.licence;
    assert.ok(practitioner !== undefined);
    licenceId = practitioner.licenceId;
    const gd = await fed.client(yunzhengParty("440000"));
    const reply = await gd.session.call(
      LicenceServiceService.getLicence.path,
      Buffer.from(
        GetLicenceRequest.encode({
          context: {
            targetParty: issuerParty("510000"),
            purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
            grantId: "",
            correlationId: "licence-ac",
          },
          lookup: { key: { $case: "licenceId", value: licenceId }, kind: practitioner.kind },
          includeOfd: false,
          annotate: true,
        }).finish(),
      ),
    );
    const method = shareMethods.get("hutong.v1.LicenceService/GetLicence");
    assert.ok(method !== undefined);
    const fetched = annotatedCopyFileOf(method, reply.body);
    assert.ok(fetched !== undefined, "the answer carries an annotation");
    copy = fetched;
  });

  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts the genuine copy: the supervision view, signed by Sichuan's gateway", async () => {
    const record = Licence.decode(Buffer.from(copy.record, "base64"));
    assert.equal(record.licenceId, licenceId);
    // Minimised for supervision: the practitioner's name and ID number are not in the copy.
    assert.ok(record.details?.$case === "practitionerQualification");
    assert.equal(record.details.value.name, "");
    assert.equal(record.details.value.idNo, "");
    const r = await runIn(["verify", await write("copy.json", copy), ...trust()]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^valid: hutong\\.v1\\.Licence ${licenceId} for prov:440000/yunzheng, purpose REGULATORY_SUPERVISION`),
    );
    assert.match(r.stdout, /\nsigned by prov:510000 /);
  });

  it("refuses it with any byte of the record changed", async () => {
    const bytes = Buffer.from(copy.record, "base64");
    for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed.writeUInt8(changed.readUInt8(at) ^ 0x01, at);
      const r = await runIn([
        "verify",
        await write(`changed-${at}.json`, { ...copy, record: changed.toString("base64") }),
        ...trust(),
      ]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^invalid: (digest-mismatch|malformed)/);
    }
  });

  it("refuses it against trust anchors that do not include the signing gateway's", async () => {
    const other = await openDevPki(join(dir, "other-pki"), [{ id: "prov:510000", role: "gateway" }]);
    const r = await runIn([
      "verify",
      await write("copy2.json", copy),
      "--anchors",
      other.rootCert,
      ...other.crls.flatMap((c) => ["--crls", c]),
    ]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^invalid: untrusted-chain/);
  });

  it("refuses it past its validity, and before it was issued", async () => {
    const a = Annotation.decode(Buffer.from(copy.annotation, "base64"));
    const path = await write("copy3.json", copy);
    const late = await runIn([
      "verify",
      path,
      ...trust(),
      "--at",
      new Date((a.validUntil?.getTime() ?? 0) + 60_000).toISOString(),
    ]);
    assert.equal(late.code, 1, late.stdout);
    assert.match(late.stdout, /^invalid: expired/);
    const early = await runIn([
      "verify",
      path,
      ...trust(),
      "--at",
      new Date((a.issuedAt?.getTime() ?? 0) - 3_600_000).toISOString(),
    ]);
    assert.equal(early.code, 1, early.stdout);
    assert.match(early.stdout, /^invalid: not-yet-valid/);
    const bad = await runIn(["verify", path, ...trust(), "--at", "yesterday"]);
    assert.equal(bad.code, 2);
  });
});
