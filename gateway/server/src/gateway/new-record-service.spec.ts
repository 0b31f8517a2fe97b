// docs/adding-a-record-service.md, followed: a copy of proto/ gains a record service (a made-up
// parking permit) by its steps 1-4, is generated (step 5), and the gateway as it is in the
// repository runs on the result, in a child process where "@hutong/proto" resolves to the new
// contract (testing-new-record-service.ts, steps 6-7). Nothing under gateway/server/src changes:
// the new service is routed, decided by the ACL and the purpose policy, minimized to its view,
// verified under a confirmed holder, shared under a holder grant, audited, and described by reflection.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AuditDecision } from "@hutong/proto";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));

// Steps 1 and 3: the record message and its service (one file here; two in the document).
const parkingProto = `syntax = "proto3";

package hutong.v1;

import "hutong/v1/common.proto";
import "hutong/v1/options.proto";

// A residential parking permit: a record made up by the test that follows docs/adding-a-record-service.md.
message ParkingPermit {
  option (hutong.v1.record) = {
    label: "parking_permit"
    id: "permit_no"
    subject: {id_no: "holder.id_no" id_type: "holder.id_type"}
    views: {name: "whole" whole: true}
    // What supervision may see: nothing about the holder.
    views: {name: "supervision" fields: ["permit_no", "plate_no", "zone", "valid_to"]}
  };
  string permit_no = 1;
  ParkingHolder holder = 2;
  string plate_no = 3;
  string zone = 4;
  string valid_to = 5;
}

message ParkingHolder {
  string name = 1 [(hutong.v1.personal) = PERSONAL_KIND_NAME];
  IdType id_type = 2;
  string id_no = 3 [(hutong.v1.personal) = PERSONAL_KIND_ID_NUMBER];
}

service ParkingPermitService {
  option (hutong.v1.routing) = SERVICE_ROUTING_SHARE;

  rpc GetParkingPermit(GetParkingPermitRequest) returns (GetParkingPermitResponse) {
    option (hutong.v1.share) = {
      record: "parking_permit"
      operation: SHARE_OPERATION_FETCH
      request_record_id: "permit_no"
      response_record: "permit"
    };
  }
  rpc VerifyParkingPermit(VerifyParkingPermitRequest) returns (VerifyParkingPermitResponse) {
    option (hutong.v1.share) = {
      record: "parking_permit"
      operation: SHARE_OPERATION_VERIFY
      request_record_id: "permit_no"
      claimed_holder: {id_no: "holder_id_no"}
      holder_confirmed_by: "holder_matches"
    };
  }
}

message GetParkingPermitRequest {
  RequestContext context = 1;
  string permit_no = 2;
}

message GetParkingPermitResponse {
  ParkingPermit permit = 1;
}

message VerifyParkingPermitRequest {
  RequestContext context = 1;
  string permit_no = 2;
  string holder_id_no = 3 [(hutong.v1.personal) = PERSONAL_KIND_ID_NUMBER];
}

message VerifyParkingPermitResponse {
  bool valid = 1;
  bool holder_matches = 2;
}
`;

/** Steps 2 and 4: the record kind and the policy rows, in common.proto. */
function extendCommon(text: string): string {
  const edits: [string, string][] = [
    [
      'RECORD_KIND_E_INVOICE = 3 [(hutong.v1.record_message) = "hutong.v1.Invoice"];',
      'RECORD_KIND_E_INVOICE = 3 [(hutong.v1.record_message) = "hutong.v1.Invoice"];\n  RECORD_KIND_PARKING_PERMIT = 4 [(hutong.v1.record_message) = "hutong.v1.ParkingPermit"];',
    ],
    [
      'legal_basis: "PIPL Art. 13(3) statutory duty: non-personal fields only"',
      'legal_basis: "PIPL Art. 13(3) statutory duty: non-personal fields only"\n    records: {record: "parking_permit" verify: ACCESS_OPEN fetch: ACCESS_OPEN fetch_view: "supervision"}',
    ],
    [
      'legal_basis: "PIPL Art. 13(3) statutory duty: verify only"',
      'legal_basis: "PIPL Art. 13(3) statutory duty: verify only"\n    records: {record: "parking_permit" verify: ACCESS_OPEN fetch: ACCESS_DENIED}',
    ],
    [
      'legal_basis: "PIPL Art. 13(1) consent of the holder (holder grant)"',
      'legal_basis: "PIPL Art. 13(1) consent of the holder (holder grant)"\n    records: {record: "parking_permit" verify: ACCESS_HOLDER_GRANT fetch: ACCESS_HOLDER_GRANT fetch_view: "whole"}',
    ],
  ];
  return edits.reduce((t, [from, to]) => {
    assert.ok(t.includes(from), `common.proto no longer has ${from}`);
    return t.replace(from, to);
  }, text);
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Attempt {
  readonly ok?: Record<string, unknown>;
  readonly code?: number;
  readonly denial?: string | null;
}

interface Report {
  readonly routing: string | null;
  readonly shareMethods: string[];
  readonly recordKind: number;
  readonly views: Record<string, string[]>;
  readonly supervision: Attempt;
  readonly lawFetch: Attempt;
  readonly lawVerify: Attempt;
  readonly withoutGrant: Attempt;
  readonly granted: Attempt;
  readonly listed: string[];
  readonly backend: { path: string; origin: string; purpose: string }[];
  readonly audit: {
    method: string;
    decision: number;
    reason: string;
    recordKind: number;
    fieldsReleased: string[];
    recordDigest: number;
    subjectDigest: number;
  }[];
}

describe("adding a record service, as docs/adding-a-record-service.md says", () => {
  let dir = "";
  let report: Report;
  const env = { ...process.env, PATH: [join(repo, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter) };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-contract-"));
    const proto = join(dir, "proto");
    // package.json too: it makes the generated .ts files ES modules.
    for (const item of ["package.json", "buf.yaml", "buf.gen.yaml", "grpc", "hutong", "scripts"]) {
      await cp(join(repo, "proto", item), join(proto, item), { recursive: true });
    }
    // The generated modules import @bufbuild/protobuf and @grpc/grpc-js: resolve them from the repository.
    await symlink(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
    await writeFile(join(proto, "hutong/v1/parking.proto"), parkingProto);
    const common = join(proto, "hutong/v1/common.proto");
    await writeFile(common, extendCommon(await readFile(common, "utf8")));

    // Step 5.
    const generated = await run([join(proto, "scripts", "generate.mjs")], env);
    assert.equal(generated.code, 0, `generation failed:\n${generated.stdout}\n${generated.stderr}`);

    // "@hutong/proto" is the new contract in the child; everything else is the repository's.
    const index = pathToFileURL(join(proto, "gen", "index.ts")).href;
    await writeFile(
      join(dir, "contract-hook.mjs"),
      `export async function resolve(specifier, context, next) {\n  return next(specifier === "@hutong/proto" ? ${JSON.stringify(index)} : specifier, context);\n}\n`,
    );
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "contract-hook.mjs")).href)});\n`,
    );
    const child = fileURLToPath(new URL("./testing-new-record-service.ts", import.meta.url));
    const ran = await run(
      [
        "--conditions=hutong-source",
        "--import",
        "tsx",
        "--import",
        pathToFileURL(join(dir, "register.mjs")).href,
        child,
      ],
      env,
    );
    assert.equal(ran.code, 0, `the gateway on the new contract failed:\n${ran.stderr}`);
    report = JSON.parse(ran.stdout) as Report;
  });
  after(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("generates the tables from the new options", () => {
    assert.equal(report.routing, "share");
    assert.deepEqual(report.shareMethods.sort(), [
      "hutong.v1.ParkingPermitService/GetParkingPermit",
      "hutong.v1.ParkingPermitService/VerifyParkingPermit",
    ]);
    assert.equal(report.recordKind, 4);
    assert.deepEqual(report.views.supervision, [
      "parking_permit.permit_no",
      "parking_permit.plate_no",
      "parking_permit.valid_to",
      "parking_permit.zone",
    ]);
  });

  it("routes the new service to its backend and releases only the purpose's view", () => {
    assert.deepEqual(report.supervision.ok, {
      permit: { permitNo: "P-1", plateNo: "粤A12345", zone: "天河-3", validTo: "2027-06-30" },
    });
    assert.deepEqual(report.backend[0], {
      path: "/hutong.v1.ParkingPermitService/GetParkingPermit",
      origin: "prov:440000/desk",
      purpose: "REGULATORY_SUPERVISION",
    });
  });

  it("applies the purpose policy: a denied fetch is refused before the backend sees it, an open verify answers", () => {
    assert.deepEqual(report.lawFetch, { code: 7, denial: "operation-not-allowed" });
    assert.deepEqual(report.lawVerify.ok, { valid: true, holderMatches: true });
    assert.deepEqual(report.withoutGrant, { code: 7, denial: "grant-required" });
    assert.deepEqual(
      report.backend.map((b) => b.path.split("/")[2]),
      ["GetParkingPermit", "VerifyParkingPermit", "GetParkingPermit"],
    );
  });

  it("shares under a holder grant for the new record kind: subject matched, fields narrowed to the grant", () => {
    assert.deepEqual(report.granted.ok, { permit: { permitNo: "P-1", holder: { name: "王五" } } });
  });

  it("audits every decision with the new record kind", () => {
    const shares = report.audit.filter((e) => e.method.startsWith("hutong.v1.ParkingPermitService/"));
    assert.deepEqual(
      shares.map((e) => [e.method.split("/")[1], e.decision === AuditDecision.AUDIT_DECISION_ALLOW, e.reason]),
      [
        ["GetParkingPermit", true, "allowed"],
        ["GetParkingPermit", false, "operation-not-allowed"],
        ["VerifyParkingPermit", true, "allowed"],
        ["GetParkingPermit", false, "grant-required"],
        ["GetParkingPermit", true, "allowed"],
      ],
    );
    for (const e of shares) assert.equal(e.recordKind, 4);
    assert.deepEqual(shares[0]?.fieldsReleased, report.views.supervision);
    assert.deepEqual(shares[4]?.fieldsReleased, ["parking_permit.holder.name", "parking_permit.permit_no"]);
    // The verify's subject is the confirmed holder, the grant's the permit's holder: both digested.
    assert.equal(shares[2]?.subjectDigest, 32);
    assert.equal(shares[4]?.subjectDigest, 32);
    assert.ok(shares.every((e) => e.recordDigest === 32));
  });

  it("describes the new service over reflection", () => {
    assert.ok(report.listed.includes("hutong.v1.ParkingPermitService"), report.listed.join(", "));
  });
});
