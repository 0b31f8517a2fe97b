// `hutong licence maintenance file|decide|show` against a real in-process licence federation:
// Sichuan's licence system files a signed request from a request file (an attachment digested from
// its document), the ministry's supervision system approves it through the hub, and the request is
// followed until Sichuan applied it and the library aggregated the change. Refusals exit 1 with
// their status, bad requests 2 with every problem; the corrected value is never printed.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { recordWorkload } from "@hutong/licensing";
import {
  issuerParty,
  type LicenceFederation,
  licenceWorkload,
  startLicenceFederation,
  supervisionParty,
  yunzhengParty,
} from "@hutong/licensing/dev";
import { LicenceEventKind, LicenceStatus } from "@hutong/proto";
import { type CliRun, runCommandIn } from "../testing.js";
import { licenceCommand } from "./licence-command.js";

const province = "510000";
const corrected = "成都市交通运输局（维护更正Q7X）";
const requestId = "WH-2026-0001";

/** `hutong …` of this group in this process, with bin.ts's exit statuses. */
const runIn = (args: string[]): Promise<CliRun> => runCommandIn(licenceCommand, args);

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("hutong licence maintenance file|decide|show, across a licence federation", () => {
  let dir: string;
  let fed: LicenceFederation;
  let licenceId: string;
  let sichuan: string[];
  let mot: string[];
  const runs: CliRun[] = [];
  const run = async (args: string[]) => {
    const r = await runIn(args);
    runs.push(r);
    return r;
  };
  const write = async (name: string, content: string | object) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return path;
  };
  const profile = async (name: string, system: string, port: number, gateway: string) => [
    "--profile",
    await write(name, {
      address: `127.0.0.1:${port}`,
      gateway,
      ...fed.plan.pki.party(system),
      trust: [fed.plan.pki.rootCert],
      crl: fed.plan.pki.crls,
    }),
  ];
  const request = (over: Record<string, unknown> = {}) => ({
    requestId,
    province,
    applicantUnit: "四川省道路运输事务中心",
    operatorId: "SC-0042",
    corrections: [{ licenceId, field: "issuer_name", correctedValue: corrected }],
    reason: "发证机关名称录入错误",
    attachments: ["情况说明.pdf"],
    ...over,
  });
  const show = async (id = requestId) =>
    run(["maintenance", "show", "--province", province, "--request-id", id, ...mot]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-licence-maintenance-"));
    fed = await startLicenceFederation(dir, { provinces: [province] });
    const w = licenceWorkload({ province, licences: 12, seed: 11, startMs: Date.now() - 86_400_000, defectRate: 0 });
    const yz = await fed.client(yunzhengParty(province));
    const tally = await recordWorkload(w.events, { client: () => yz, issuer: issuerParty(province) });
    assert.equal(tally.refused, 0);
    const node = fed.provinces.get(province);
    assert.ok(node !== undefined);
    const head = Number(await node.issuer.store.headSeq());
    await until("the library applied the workload", async () => {
      const [s] = await fed.library.store.status(province);
      return Number(s?.appliedSeq ?? 0) === head;
    });
    // A licence still valid at its issuer: its correction is a CHANGED event the lifecycle allows.
    for (const e of w.events) {
      if (e.kind !== LicenceEventKind.LICENCE_EVENT_KIND_ISSUED || e.licence === undefined) continue;
      const now = await node.issuer.store.licence(e.licence.licenceId);
      if (now?.status === LicenceStatus.LICENCE_STATUS_VALID) {
        licenceId = now.licenceId;
        break;
      }
    }
    assert.ok(licenceId !== undefined, "the workload has a valid licence");
    await writeFile(join(dir, "情况说明.pdf"), "%PDF-1.7 情况说明\n");
    sichuan = await profile(
      "sichuan-licence.json",
      issuerParty(province),
      fed.plan.provinces.get(province)?.gatewayPort ?? 0,
      `prov:${province}`,
    );
    mot = await profile("mot-supervision.json", supervisionParty, fed.plan.hubPort, "mot");
  });

  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("files as the province's licence system, approves as the ministry, and shows it applied", async () => {
    const filed = await run(["maintenance", "file", "--request", await write("request.json", request()), ...sichuan]);
    assert.equal(filed.code, 0, filed.stderr);
    const status = JSON.parse(filed.stdout);
    assert.deepEqual(
      [status.requestId, status.province, status.state, status.licenceIds, status.fields],
      [requestId, province, "FILED", [licenceId], ["issuer_name"]],
    );
    assert.match(status.requestSm3, /^[0-9a-f]{64}$/);
    assert.equal(status.decisionSm3, undefined);
    assert.deepEqual(
      status.history.map((h: { state: string; party: string }) => [h.state, h.party]),
      [["FILED", issuerParty(province)]],
    );
    assert.ok(!Number.isNaN(Date.parse(status.history[0].at)));
    assert.equal(status.history[0].at, new Date(status.history[0].at).toISOString());

    const shown = await show();
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), status, "show answers what file answered");

    const approved = await run([
      "maintenance",
      "decide",
      "--province",
      province,
      "--request-id",
      requestId,
      "--approve",
      "--reason",
      "同意",
      ...mot,
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    const decided = JSON.parse(approved.stdout);
    assert.ok(["APPROVED", "APPLIED"].includes(decided.state), decided.state);
    assert.equal(decided.requestSm3, status.requestSm3, "the decision is about exactly the filed request");
    assert.match(decided.decisionSm3, /^[0-9a-f]{64}$/);

    let done: { state: string; history: { state: string; at: string; party: string }[] } | undefined;
    await until("the request applied", async () => {
      const r = await show();
      assert.equal(r.code, 0, r.stderr);
      done = JSON.parse(r.stdout);
      return done?.state === "APPLIED";
    });
    assert.deepEqual(
      done?.history.map((h) => [h.state, h.party]),
      [
        ["FILED", issuerParty(province)],
        ["APPROVED", supervisionParty],
        ["APPLIED", issuerParty(province)],
      ],
    );
    const times = done?.history.map((h) => Date.parse(h.at)) ?? [];
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
      "steps in time order",
    );
    const atIssuer = await fed.provinces.get(province)?.issuer.store.licence(licenceId);
    assert.equal(atIssuer?.issuerName, corrected, "the province applied the correction");
  });

  it("refuses a second decision, a request filed again under its id, and an unknown request, exit 1", async () => {
    const again = await run([
      "maintenance",
      "decide",
      "--province",
      province,
      "--request-id",
      requestId,
      "--reject",
      "--reason",
      "驳回",
      ...mot,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^ERROR: FAILED_PRECONDITION: /);
    assert.equal(again.stdout, "");

    const other = await run([
      "maintenance",
      "file",
      "--request",
      await write("other.json", request({ reason: "另一理由" })),
      ...sichuan,
    ]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^ERROR: ALREADY_EXISTS: /);

    const unknown = await show("WH-NONE");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ERROR: NOT_FOUND: /);
    assert.equal(unknown.stdout, "");
  });

  it("refuses a request signed by another system than the caller's, exit 1", async () => {
    // Sichuan's licence system sends a request signed with the ministry's key: not its own statement.
    const key = fed.plan.pki.party(supervisionParty);
    const r = await run([
      "maintenance",
      "file",
      "--request",
      await write("signed-by-other.json", request({ requestId: "WH-2026-0002" })),
      "--signer-key",
      key.key,
      "--signer-chain",
      key.chain,
      ...sichuan,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERROR: PERMISSION_DENIED: /);
  });

  it("lists every problem of a malformed request file, and sends nothing, exit 2", async () => {
    const bad = await run([
      "maintenance",
      "file",
      "--request",
      await write("bad.json", {
        requestId: "WH 3",
        province: "51",
        applicantUnit: "",
        corrections: [{ licenceId, field: "Issuer Name", correctedValue: corrected, note: corrected }],
        reason: " ",
        attachments: ["missing.pdf", 7],
        filedAt: "yesterday",
      }),
      ...sichuan,
    ]);
    assert.equal(bad.code, 2);
    for (const problem of [
      /requestId: must be 1 to 64/,
      /province: not a GB\/T 2260 province code/,
      /applicantUnit: is empty/,
      /operatorId: is missing/,
      /corrections\[0\]\.field: not a dotted proto field name/,
      /corrections\[0\]: Unrecognized key: "note"/,
      /reason: is empty/,
      /attachments\[0\]: cannot read .*missing\.pdf \(ENOENT\)/,
      /attachments\[1\]: an attachment is a file path/,
      /filedAt: not an ISO 8601 time/,
    ]) {
      assert.match(bad.stderr, problem);
    }
    const notJson = await run([
      "maintenance",
      "file",
      "--request",
      await write("not-json.json", `{"requestId": "WH-4", "value": ${corrected}}`),
      ...sichuan,
    ]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /not JSON/);
    // Nothing was filed.
    assert.equal((await show("WH-4")).code, 1);
  });

  it("takes bad arguments as usage errors, exit 2", async () => {
    const cases: string[][] = [
      ["maintenance", "decide", "--province", province, "--request-id", requestId, "--reason", "x", ...mot],
      [
        "maintenance",
        "decide",
        "--province",
        province,
        "--request-id",
        requestId,
        "--approve",
        "--reject",
        "--reason",
        "x",
        ...mot,
      ],
      ["maintenance", "show", "--province", "5100", "--request-id", requestId, ...mot],
      ["maintenance", "show", "--province", province, "--request-id", "has space", ...mot],
      ["maintenance", "show", "--province", province, "--request-id", requestId],
      ["maintenance", "show", "--province", province, "--request-id", requestId, "--library", "not a party", ...mot],
      ["maintenance", "file", "--request", join(dir, "request.json"), "--signer-key", "k.pem", ...sichuan],
      ["maintenance", "file", ...sichuan],
      ["maintenance", "nope"],
    ];
    for (const args of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    }
  });

  it("never prints the corrected value", () => {
    assert.ok(runs.length > 10);
    for (const r of runs) {
      for (const text of [r.stdout, r.stderr]) {
        assert.ok(!text.includes(corrected), `the corrected value in: ${text.slice(0, 200)}`);
        assert.ok(!text.includes("Q7X"));
      }
    }
  });
});
