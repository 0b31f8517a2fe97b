// `hutong call --annotated-copy` and `hutong annotation verify` against the development federation:
// a Guangdong system fetches a Sichuan e-ticket through the hub, keeps the copy Sichuan's gateway
// signed, and verifies it offline; changed copies, copies signed by a revoked, an untrusted or an
// expired signer are invalid with their reason.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeSm2PrivateKeyPem, parseCertificatePem, sm2Sign, sm3 } from "@hutong/certs";
import {
  type AnnotatedCopyFile,
  annotatedCopyFile,
  annotatedCopyFileOf,
  annotationSigningBytes,
  parseAnnotatedCopyFile,
} from "@hutong/client";
import {
  type DevPki,
  type Federation,
  openDevPki,
  type PartyFiles,
  federationParties as p,
  sampleTickets,
  startFederation,
} from "@hutong/gateway/dev";
import { Annotation, GetTicketRequest, Purpose, shareMethods, Ticket, TicketServiceService } from "@hutong/proto";
import { callCommand } from "../call/call-command.js";
import { UsageError } from "../support/usage-error.js";
import { type CliRun, runCommandIn, runHutong } from "../testing.js";
import { annotationCommand } from "./annotation-command.js";

const day = 86_400_000;
const ticket = sampleTickets("510000")[0];

/** `hutong …` of this group in this process, with bin.ts's exit statuses. */
const runIn = (args: string[]): Promise<CliRun> => runCommandIn(annotationCommand, args);

/** An annotated copy signed with a party's own key and chain, as an owner's gateway would. */
async function signedCopy(
  files: PartyFiles,
  signerParty: string,
  o: { issuedAt: number; validUntil: number; record: Uint8Array },
): Promise<AnnotatedCopyFile> {
  const key = decodeSm2PrivateKeyPem(await readFile(files.key, "utf8"));
  const chain = parseCertificatePem(await readFile(files.chain, "utf8")).map((c) => c.der);
  const fields = {
    recordType: "hutong.v1.Ticket",
    recipientParty: p.guangdongEnforcement,
    purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
    grantId: "",
    issuedAtMs: o.issuedAt,
    validUntilMs: o.validUntil,
    recordSm3: sm3(o.record),
    signerParty,
    signerChain: chain,
  };
  const annotation = Annotation.encode({
    recipientParty: fields.recipientParty,
    purpose: fields.purpose,
    grantId: "",
    issuedAt: new Date(o.issuedAt),
    validUntil: new Date(o.validUntil),
    recordSm3: Buffer.from(fields.recordSm3),
    signerParty,
    signerChain: chain.map((d) => Buffer.from(d)),
    signature: Buffer.from(sm2Sign(key, annotationSigningBytes(fields))),
  }).finish();
  return annotatedCopyFile({ recordType: "hutong.v1.Ticket", record: o.record, annotation });
}

describe("hutong annotation verify, on copies from hutong call --annotated-copy", () => {
  let dir: string;
  let fed: Federation;
  let profile: string;
  /** A copy fetched with the SDK, for the cases that change it. */
  let copyPath: string;
  let copy: AnnotatedCopyFile;
  const trustFlags = (): string[] => ["--anchors", fed.pki.rootCert, ...fed.pki.crls.flatMap((c) => ["--crls", c])];
  const write = async (name: string, file: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(file));
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-annotation-"));
    fed = await startFederation(dir, {
      tweak: (party, config) =>
        party === p.sichuan
          ? {
              ...config,
              acl: [
                ...(config.acl as unknown[]),
                {
                  callers: [p.guangdongEnforcement],
                  methods: ["hutong.v1.TicketService/GetTicket"],
                  purposes: ["REGULATORY_SUPERVISION"],
                  targets: [p.sichuan],
                },
              ],
            }
          : config,
    });
    profile = join(dir, "enforcement-profile.json");
    await writeFile(
      profile,
      JSON.stringify({
        address: `127.0.0.1:${fed.guangdong.address.port}`,
        gateway: p.guangdong,
        ...fed.pki.party(p.guangdongEnforcement),
        trust: [fed.pki.rootCert],
        crl: fed.pki.crls,
      }),
    );
    // The copy the later cases change, fetched with the SDK through the hub.
    assert.ok(ticket !== undefined);
    const client = await fed.client(p.guangdongEnforcement);
    const reply = await client.session.call(
      TicketServiceService.getTicket.path,
      Buffer.from(
        GetTicketRequest.encode({
          context: {
            targetParty: p.sichuan,
            purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
            grantId: "",
            correlationId: "cli-ac-0",
          },
          ticketNo: ticket.ticketNo,
          annotate: true,
        }).finish(),
      ),
    );
    const method = shareMethods.get("hutong.v1.TicketService/GetTicket");
    assert.ok(method !== undefined);
    const fetched = annotatedCopyFileOf(method, reply.body);
    assert.ok(fetched !== undefined);
    copy = fetched;
    copyPath = await write("copy.json", copy);
  });

  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("hutong call writes the copy the owner's gateway signed, through the hub; hutong annotation verify: exit 0", async () => {
    assert.ok(ticket !== undefined);
    const written = join(dir, "called.json");
    const request = JSON.stringify({
      context: { targetParty: p.sichuan, purpose: "PURPOSE_REGULATORY_SUPERVISION", correlationId: "cli-ac-1" },
      ticketNo: ticket.ticketNo,
      annotate: true,
    });
    const call = await runHutong([
      "call",
      "--profile",
      profile,
      "hutong.v1.TicketService/GetTicket",
      request,
      "--annotated-copy",
      written,
    ]);
    assert.equal(call.code, 0, call.stderr);
    assert.match(call.stderr, /annotated copy written to/);
    assert.equal(JSON.parse(call.stdout).annotation.signerParty, p.sichuan);
    const file = JSON.parse(await readFile(written, "utf8")) as AnnotatedCopyFile;
    assert.deepEqual(Object.keys(file), ["format", "recordType", "record", "annotation"]);
    assert.equal(file.format, "hutong-annotated-copy/v1");
    assert.equal(file.recordType, "hutong.v1.Ticket");
    // The minimized record: the operational view holds no passenger.
    assert.equal(Ticket.decode(Buffer.from(file.record, "base64")).passenger, undefined);
    assert.equal(file.record, copy.record, "the same record as the SDK's copy");

    const verified = await runHutong(["annotation", "verify", written, "--profile", profile]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(
      verified.stdout,
      new RegExp(
        `^valid: hutong\\.v1\\.Ticket ${ticket.ticketNo} for prov:440000/enforcement, purpose REGULATORY_SUPERVISION, until \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    assert.match(verified.stdout, /\nsigned by prov:510000 \(certificate [0-9a-f]+\) at /);

    // Within one member there is no share, so no annotation: the file is not written, exit 1.
    const own = join(dir, "own-profile.json");
    await writeFile(
      own,
      JSON.stringify({
        address: `127.0.0.1:${fed.sichuan.address.port}`,
        gateway: p.sichuan,
        ...fed.pki.party(p.sichuanTicketing),
        trust: [fed.pki.rootCert],
        crl: fed.pki.crls,
      }),
    );
    const never = join(dir, "never.json");
    const inMember = await runHutong([
      "call",
      "--profile",
      own,
      "hutong.v1.TicketService/GetTicket",
      request,
      "--annotated-copy",
      never,
    ]);
    assert.equal(inMember.code, 1, inMember.stderr);
    assert.match(inMember.stderr, /ERROR: the answer carries no annotation; .*never\.json not written/);
    assert.equal(JSON.parse(inMember.stdout).ticket.ticketNo, ticket.ticketNo);
    await assert.rejects(readFile(never), /ENOENT/);
  });

  it("verifies the SDK's copy with explicit anchors and CRLs, and with a profile", async () => {
    assert.ok(ticket !== undefined);
    const explicit = await runIn(["verify", copyPath, ...trustFlags()]);
    assert.equal(explicit.code, 0, explicit.stdout + explicit.stderr);
    assert.match(explicit.stdout, new RegExp(`^valid: hutong\\.v1\\.Ticket ${ticket.ticketNo} for `));
    const viaProfile = await runIn(["verify", copyPath, "--profile", profile]);
    assert.equal(viaProfile.code, 0, viaProfile.stdout + viaProfile.stderr);
  });

  it("names what was changed: the record by one byte, the recipient, the validity, the signature", async () => {
    const record = Buffer.from(copy.record, "base64");
    record.writeUInt8(record.readUInt8(record.length - 1) ^ 0x01, record.length - 1);
    const annotation = Annotation.decode(Buffer.from(copy.annotation, "base64"));
    const reencoded = (a: Annotation) => Buffer.from(Annotation.encode(a).finish()).toString("base64");
    const signature = Buffer.from(annotation.signature);
    signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 0x01, signature.length - 1);
    const cases: [string, AnnotatedCopyFile, RegExp][] = [
      ["record", { ...copy, record: record.toString("base64") }, /^invalid: digest-mismatch/],
      [
        "recipient",
        { ...copy, annotation: reencoded({ ...annotation, recipientParty: "prov:440000/other" }) },
        /^invalid: bad-signature/,
      ],
      [
        "validity",
        { ...copy, annotation: reencoded({ ...annotation, validUntil: new Date(Date.now() + 3650 * day) }) },
        /^invalid: bad-signature/,
      ],
      ["signature", { ...copy, annotation: reencoded({ ...annotation, signature }) }, /^invalid: bad-signature/],
      ["record type", { ...copy, recordType: "hutong.v1.Licence" }, /^invalid: bad-signature/],
    ];
    for (const [name, changed, pattern] of cases) {
      const r = await runIn(["verify", await write(`changed-${name}.json`, changed), ...trustFlags()]);
      assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, pattern, name);
    }
  });

  it("refuses copies signed by an expired annotation, a revoked gateway certificate, an untrusted one", async () => {
    const record = parseAnnotatedCopyFile(copy).record;
    const now = Date.now();
    // Another gateway of the federation (a certificate from its CA): valid, then expired, then revoked.
    const pki: DevPki = await openDevPki(join(dir, "pki"), [{ id: "prov:650000", role: "gateway" }]);
    const fresh = await signedCopy(pki.party("prov:650000"), "prov:650000", {
      issuedAt: now - day,
      validUntil: now + day,
      record,
    });
    const expired = await signedCopy(pki.party("prov:650000"), "prov:650000", {
      issuedAt: now - 40 * day,
      validUntil: now - 10 * day,
      record,
    });
    const ok = await runIn(["verify", await write("fresh.json", fresh), ...trustFlags()]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const late = await runIn(["verify", await write("expired.json", expired), ...trustFlags()]);
    assert.equal(late.code, 1);
    assert.match(late.stdout, /^invalid: expired \(valid until /);

    // Signed in a gateway's name by a system's certificate.
    const impostor = await signedCopy(fed.pki.party(p.guangdongEnforcement), "prov:650000", {
      issuedAt: now,
      validUntil: now + day,
      record,
    });
    const mismatch = await runIn(["verify", await write("impostor.json", impostor), ...trustFlags()]);
    assert.match(mismatch.stdout, /^invalid: signer-mismatch/);

    // A gateway certificate of the same party from another PKI.
    const other = await openDevPki(join(dir, "other-pki"), [{ id: p.sichuan, role: "gateway" }]);
    const untrusted = await signedCopy(other.party(p.sichuan), p.sichuan, {
      issuedAt: now,
      validUntil: now + day,
      record,
    });
    const u = await runIn(["verify", await write("untrusted.json", untrusted), ...trustFlags()]);
    assert.equal(u.code, 1);
    assert.match(u.stdout, /^invalid: untrusted-chain/);

    await pki.revoke("prov:650000");
    const revoked = await runIn(["verify", await write("revoked.json", fresh), ...trustFlags()]);
    assert.equal(revoked.code, 1);
    assert.match(revoked.stdout, /^invalid: revoked/);
  });

  it("exit 1 for a file that is not a copy, exit 2 for usage errors", async () => {
    const notJson = join(dir, "not-json.json");
    await writeFile(notJson, "{");
    const bad = await runIn(["verify", notJson, ...trustFlags()]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^invalid: malformed \(not JSON/);
    const wrong = await runIn(["verify", await write("wrong.json", { format: "x" }), ...trustFlags()]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^invalid: malformed/);

    assert.equal((await runIn(["verify", copyPath])).code, 2, "no anchors");
    assert.equal((await runIn(["verify", copyPath, "--anchors", fed.pki.rootCert])).code, 2, "no CRLs");
    const missing = await runIn(["verify", join(dir, "nope.json"), ...trustFlags()]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read annotated copy .*nope\.json: ENOENT/);
    assert.equal((await runIn(["verify"])).code, 2, "no file");

    // hutong call refuses --annotated-copy for a request that does not ask for one, or a method
    // without annotated copies, before reading credentials or sending anything.
    const call = (method: string, request: unknown) =>
      callCommand()
        .exitOverride()
        .parseAsync(
          ["--profile", "/nonexistent/profile.json", method, JSON.stringify(request), "--annotated-copy", "x.json"],
          { from: "user" },
        );
    await assert.rejects(
      call("hutong.v1.TicketService/GetTicket", { context: { targetParty: p.sichuan }, ticketNo: "x" }),
      (e) => e instanceof UsageError && /--annotated-copy needs "annotate": true in the request/.test(e.message),
    );
    await assert.rejects(
      call("hutong.v1.TicketService/VerifyTicket", { ticketNo: "x" }),
      (e) => e instanceof UsageError && /VerifyTicket gives no annotated copies/.test(e.message),
    );
  });
});
