// The checks postgen.mjs runs on the contract's own options before it writes any table: each
// mistake a contract author can make fails generation with a message naming the option. The checks
// run here on the real build of proto/ (buf's JSON image), changed one way at a time.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const protoDir = fileURLToPath(new URL("..", import.meta.url));
const bins: string[] = [];
for (let dir = protoDir; ; dir = dirname(dir)) {
  if (existsSync(join(dir, "node_modules", ".bin"))) bins.push(join(dir, "node_modules", ".bin"));
  if (dirname(dir) === dir) break;
}
const env = { ...process.env, PATH: [...bins, process.env.PATH ?? ""].join(delimiter) };

// The image is plain JSON (protojson of FileDescriptorSet): typed loosely, as the scripts read it.
// biome-ignore lint/suspicious/noExplicitAny: the descriptor JSON, mutated by path in each case
type Json = any;
interface Tables {
  readonly records: readonly Json[];
  readonly services: readonly Json[];
  readonly shareMethods: readonly Json[];
  readonly policy: readonly Json[];
  readonly fieldRules: { readonly messages: readonly Json[]; readonly kindDetails: readonly Json[] };
}
let image: Json;
let build: (image: Json) => Tables;

function message(img: Json, fullName: string): Json {
  const find = (prefix: string, list: Json[] | undefined): Json => {
    for (const m of list ?? []) {
      const name = `${prefix}.${m.name}`;
      if (name === fullName) return m;
      const inner = find(name, m.nestedType);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  for (const f of img.file) {
    const found = find(f.package, f.messageType);
    if (found !== undefined) return found;
  }
  throw new Error(`no message ${fullName}`);
}
const field = (img: Json, msg: string, name: string): Json => {
  const f = message(img, msg).field.find((x: Json) => x.name === name);
  if (f === undefined) throw new Error(`no field ${msg}.${name}`);
  return f;
};
function enumValue(img: Json, enumName: string, value: string): Json {
  for (const f of img.file) {
    for (const e of f.enumType ?? []) {
      if (`${f.package}.${e.name}` === enumName) return e.value.find((v: Json) => v.name === value);
    }
  }
  throw new Error(`no enum ${enumName}`);
}
function service(img: Json, name: string): Json {
  for (const f of img.file) for (const s of f.service ?? []) if (`${f.package}.${s.name}` === name) return s;
  throw new Error(`no service ${name}`);
}
const method = (img: Json, svc: string, name: string): Json =>
  service(img, svc).method.find((m: Json) => m.name === name);
const record = (img: Json, msg: string): Json => message(img, msg).options["[hutong.v1.record]"];
const view = (img: Json, msg: string, name: string): Json => record(img, msg).views.find((v: Json) => v.name === name);
const policy = (img: Json, purpose: string): Json =>
  enumValue(img, "hutong.v1.Purpose", purpose).options["[hutong.v1.policy]"];
const access = (img: Json, purpose: string, label: string): Json =>
  policy(img, purpose).records.find((r: Json) => r.record === label);
const share = (img: Json, svc: string, name: string): Json => method(img, svc, name).options["[hutong.v1.share]"];
const transition = (img: Json, kind: string): Json =>
  enumValue(img, "hutong.v1.TicketEventKind", kind).options["[hutong.v1.transition]"];
const stateChange = (img: Json, kind: string, axis: string): Json =>
  transition(img, kind).changes.find((c: Json) => c.axis === axis);
/** Sets the (hutong.v1.rule) of a field, keeping its other options. */
function setRule(img: Json, msg: string, name: string, rule: Json): void {
  const f = field(img, msg, name);
  f.options = { ...f.options, "[hutong.v1.rule]": rule };
}
const ruleOf = (img: Json, msg: string, name: string): Json => field(img, msg, name).options["[hutong.v1.rule]"];
const licenceKind = (img: Json, value: string): Json => enumValue(img, "hutong.v1.LicenceKind", value);

/** The problems generation reports after `change`; [] when it accepts the contract. */
function problemsAfter(change: (img: Json) => void): string[] {
  const copy = structuredClone(image);
  change(copy);
  try {
    build(copy);
    return [];
  } catch (e) {
    if ((e as Error).name !== "ContractError") throw e;
    return (e as { problems: string[] }).problems;
  }
}

describe("contract options: what generation checks", () => {
  before(async () => {
    image = JSON.parse(
      execFileSync("buf", ["build", "--as-file-descriptor-set", "--exclude-source-info", "-o", "-#format=json"], {
        cwd: protoDir,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    const model = await import(pathToFileURL(join(protoDir, "scripts", "contract-model.mjs")).href);
    const tables = await import(pathToFileURL(join(protoDir, "scripts", "contract-tables.mjs")).href);
    build = (img) => tables.buildContractTables(model.indexImage(img));
  });

  it("accepts the contract as it is", () => {
    const t = build(image);
    assert.equal(t.records.length, 3);
    assert.equal(t.policy.length, 9);
    assert.equal(t.shareMethods.length, 36);
    const getTicket = t.shareMethods.find((m: Json) => m.method === "hutong.v1.TicketService/GetTicket");
    assert.deepEqual(getTicket.annotateRequest, [{ name: "annotate", number: 3, type: "bool" }]);
    assert.deepEqual(getTicket.responseAnnotation, { name: "annotation", number: 2, type: "message" });
    assert.deepEqual(
      (t as Json).lifecycles.map((l: Json) => [l.enumName, l.record, l.kinds.length]),
      [
        ["hutong.v1.LicenceEventKind", "licence", 10],
        ["hutong.v1.TicketEventKind", "ticket", 8],
      ],
    );
    const rules = new Map(t.fieldRules.messages.map((m: Json) => [m.name, m.fields]));
    for (const name of ["hutong.v1.Licence", "hutong.v1.OperatingPermit", "hutong.v1.TransportCertificate"]) {
      assert.ok(rules.has(name), name);
    }
    // A message with no rule of its own is walked through to the licence it holds.
    assert.deepEqual(
      (rules.get("hutong.v1.LicenceEvent") as Json[]).map((f) => [f.field, f.kind, f.message]),
      [["licence", "message", "hutong.v1.Licence"]],
    );
    assert.deepEqual(
      t.fieldRules.kindDetails.map((k: Json) => [
        k.enumName,
        k.message,
        k.kindField,
        k.oneof,
        k.details.map((d: Json) => `${d.number}:${d.field}`).join(" "),
      ]),
      [
        [
          "hutong.v1.LicenceKind",
          "hutong.v1.Licence",
          "kind",
          "details",
          "1:operating_permit 2:operating_permit 3:operating_permit 4:operating_permit 5:transport_certificate 6:transport_certificate 7:practitioner_qualification",
        ],
      ],
    );
  });

  const cases: [string, (img: Json) => void, RegExp][] = [
    [
      "a Purpose value without a policy row",
      (img) => delete enumValue(img, "hutong.v1.Purpose", "PURPOSE_EMERGENCY").options,
      /hutong\.v1\.Purpose\.PURPOSE_EMERGENCY has no policy row/,
    ],
    [
      "a view naming a field the record does not have",
      (img) => view(img, "hutong.v1.Ticket", "operational").fields.push("seat_nr"),
      /hutong\.v1\.Ticket \(hutong\.v1\.record\) view "operational": hutong\.v1\.Ticket has no field "seat_nr"/,
    ],
    [
      "a view path through a scalar",
      (img) => view(img, "hutong.v1.Ticket", "operational").fields.push("seat_no.x"),
      /"seat_no" is not a message, so it has no "x"/,
    ],
    [
      "an open fetch releasing a personal field",
      (img) => {
        access(img, "PURPOSE_REGULATORY_SUPERVISION", "ticket").fetchView = "whole";
      },
      /PURPOSE_REGULATORY_SUPERVISION .* record "ticket": an open fetch \(no grant\) would release personal ticket\.passenger\.name/,
    ],
    [
      "a fetch releasing the photo, even under a grant",
      (img) => view(img, "hutong.v1.Licence", "licence_use").fields.push("practitioner_qualification.photo"),
      /PURPOSE_LICENCE_USE .* a fetch would release the photo licence\.practitioner_qualification\.photo/,
    ],
    [
      "a verify answer holding a personal field",
      (img) => {
        field(img, "hutong.v1.VerifyLicenceResponse", "valid_to").options = {
          "[hutong.v1.personal]": "PERSONAL_KIND_OTHER",
        };
      },
      /VerifyLicence .* the response hutong\.v1\.VerifyLicenceResponse holds personal data; a verify may release none/,
    ],
    [
      "a fetch answer holding personal data outside its record",
      (img) => {
        field(img, "hutong.v1.Annotation", "recipient_party").options = {
          "[hutong.v1.personal]": "PERSONAL_KIND_NAME",
        };
      },
      /GetTicket .* hutong\.v1\.GetTicketResponse\.annotation holds personal data outside the record/,
    ],
    [
      "a fetch_view that is not a view of the record",
      (img) => {
        access(img, "PURPOSE_RECONCILIATION", "invoice").fetchView = "nope";
      },
      /record "invoice": fetch_view "nope" is not a view of hutong\.v1\.Invoice/,
    ],
    [
      "a view for a denied fetch",
      (img) => {
        access(img, "PURPOSE_LAW_ENFORCEMENT", "licence").fetchView = "metadata";
      },
      /record "licence": fetch_view "metadata" for a denied fetch/,
    ],
    [
      "a fetch without a view",
      (img) => delete access(img, "PURPOSE_TICKET_SERVICE", "ticket").fetchView,
      /record "ticket": a fetch that is not denied needs a fetch_view/,
    ],
    [
      "an access left unset",
      (img) => delete access(img, "PURPOSE_BOARDING_CHECK", "ticket").verify,
      /PURPOSE_BOARDING_CHECK .* verify access is not set/,
    ],
    [
      "a policy row for a record that does not exist",
      (img) => policy(img, "PURPOSE_BOARDING_CHECK").records.push({ record: "tickets", verify: "ACCESS_OPEN" }),
      /record "tickets": not the label of any record/,
    ],
    [
      "authority grantors where no rule takes authority grants",
      (img) => {
        policy(img, "PURPOSE_BOARDING_CHECK").authorityGrantors = ["mot"];
      },
      /PURPOSE_BOARDING_CHECK .* authority_grantors must be listed exactly when some rule takes authority grants/,
    ],
    [
      "holder caps where no rule takes holder grants",
      (img) => {
        policy(img, "PURPOSE_EMERGENCY").holderCaps = { maxValidityDays: 1 };
      },
      /PURPOSE_EMERGENCY .* holder_caps, but no rule takes holder grants/,
    ],
    [
      "a zero validity cap",
      (img) => {
        policy(img, "PURPOSE_TICKET_SERVICE").holderCaps = { maxUses: 3 };
      },
      /holder_caps\.max_validity_days must be at least 1/,
    ],
    [
      "views that include each other",
      (img) => {
        view(img, "hutong.v1.Licence", "metadata").include = ["supervision"];
      },
      /view "(metadata|supervision)" includes itself/,
    ],
    [
      "a record id that is not a string",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").requestRecordId = "annotate";
      },
      /GetTicket \(hutong\.v1\.share\) request_record_id: "annotate" is not a string field/,
    ],
    [
      "a response record of another type",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").responseRecord = "annotation";
      },
      /response_record: "annotation" is not a hutong\.v1\.Ticket/,
    ],
    [
      "an annotation request without the response field that holds the annotation",
      (img) => delete share(img, "hutong.v1.TicketService", "GetTicket").responseAnnotation,
      /GetTicket \(hutong\.v1\.share\): annotate_request and response_annotation go together/,
    ],
    [
      "an annotation field without the request bool that asks for it",
      (img) => delete share(img, "hutong.v1.TicketService", "GetTicket").annotateRequest,
      /GetTicket \(hutong\.v1\.share\): annotate_request and response_annotation go together/,
    ],
    [
      "annotated copies of a verify",
      (img) => {
        Object.assign(share(img, "hutong.v1.TicketService", "VerifyTicket"), {
          annotateRequest: "holder_name",
          responseAnnotation: "valid",
        });
      },
      /VerifyTicket \(hutong\.v1\.share\): annotate_request and response_annotation are for a fetch/,
    ],
    [
      "an annotation request that is not a bool",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").annotateRequest = "ticket_no";
      },
      /GetTicket \(hutong\.v1\.share\) annotate_request: "ticket_no" is not a bool field/,
    ],
    [
      "an annotation request naming no field",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").annotateRequest = "annotated";
      },
      /annotate_request: hutong\.v1\.GetTicketRequest has no field "annotated"/,
    ],
    [
      "an annotation field of another type",
      (img) => {
        field(img, "hutong.v1.GetTicketResponse", "annotation").typeName = ".hutong.v1.RequestContext";
      },
      /response_annotation: "annotation" is not a hutong\.v1\.Annotation/,
    ],
    [
      "an annotation field below the response's top level",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").responseAnnotation = "ticket.passenger";
      },
      /response_annotation: must be a field of hutong\.v1\.GetTicketResponse itself/,
    ],
    [
      "the record field as the annotation field",
      (img) => {
        share(img, "hutong.v1.TicketService", "GetTicket").responseAnnotation = "ticket";
      },
      /response_annotation: "ticket" is the record field/,
    ],
    [
      "a repeated annotation field",
      (img) => {
        field(img, "hutong.v1.GetTicketResponse", "annotation").label = "LABEL_REPEATED";
      },
      /response_annotation: "annotation" is repeated/,
    ],
    [
      "a claimed holder without its confirmation",
      (img) => delete share(img, "hutong.v1.TicketService", "VerifyTicket").holderConfirmedBy,
      /claimed_holder and holder_confirmed_by go together/,
    ],
    [
      "a confirmation that is not a bool",
      (img) => {
        share(img, "hutong.v1.LicenceService", "VerifyLicence").holderConfirmedBy = "valid_to";
      },
      /holder_confirmed_by: "valid_to" is not a bool field/,
    ],
    [
      "a claimed ID type that is not an IdType",
      (img) => {
        share(img, "hutong.v1.TicketService", "VerifyTicket").claimedHolder.idType = "schedule_no";
      },
      /claimed_holder\.id_type: "schedule_no" is not a hutong\.v1\.IdType field/,
    ],
    [
      "a fixed subject id type that is not an IdType value",
      (img) => {
        record(img, "hutong.v1.Licence").subject[1].fixedIdType = "ID_TYPE_USCC";
      },
      /hutong\.v1\.Licence \(hutong\.v1\.record\) subject\[1\]\.fixed_id_type: "ID_TYPE_USCC" is not a value of hutong\.v1\.IdType/,
    ],
    [
      "a fixed subject id type that is IdType's zero value",
      (img) => {
        record(img, "hutong.v1.Licence").subject[2].fixedIdType = "ID_TYPE_UNSPECIFIED";
      },
      /subject\[2\]\.fixed_id_type: "ID_TYPE_UNSPECIFIED" is not a value of hutong\.v1\.IdType \(other than its zero value\)/,
    ],
    [
      "a subject with both an id type field and a fixed id type",
      (img) => {
        record(img, "hutong.v1.Licence").subject[0].fixedIdType = "ID_TYPE_RESIDENT_ID_CARD";
      },
      /subject\[0\]: id_type and fixed_id_type exclude each other/,
    ],
    [
      "two subjects a record can carry at once",
      (img) => {
        record(img, "hutong.v1.Licence").subject.push({ idNo: "licence_no" });
      },
      /hutong\.v1\.Licence \(hutong\.v1\.record\): subjects "practitioner_qualification\.id_no" and "licence_no" can both be present/,
    ],
    [
      "two subjects in the same member of a oneof",
      (img) => {
        record(img, "hutong.v1.Licence").subject.push({
          idNo: "operating_permit.holder_name",
          fixedIdType: "ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE",
        });
      },
      /subjects "operating_permit\.holder_uscc" and "operating_permit\.holder_name" can both be present/,
    ],
    [
      "a record id path through a repeated field",
      (img) => {
        record(img, "hutong.v1.Invoice").id = "lines.item_name";
      },
      /hutong\.v1\.Invoice \(hutong\.v1\.record\) id: "lines" is repeated/,
    ],
    [
      "a service that does not say how it is routed",
      (img) => delete service(img, "hutong.v1.TicketService").options,
      /hutong\.v1\.TicketService declares no \(hutong\.v1\.routing\)/,
    ],
    [
      "a method of a share service without share semantics",
      (img) => delete method(img, "hutong.v1.LicenceService", "VerifyLicence").options,
      /hutong\.v1\.LicenceService\.VerifyLicence: a method of a SERVICE_ROUTING_SHARE service declares no \(hutong\.v1\.share\)/,
    ],
    [
      "share semantics on a local service",
      (img) => {
        method(img, "hutong.v1.SessionService", "Hello").options = { "[hutong.v1.share]": { record: "ticket" } };
      },
      /SessionService\.Hello: \(hutong\.v1\.share\) on a method of a SERVICE_ROUTING_LOCAL service/,
    ],
    [
      "a routed request without its RequestContext at field 1",
      (img) => {
        field(img, "hutong.v1.GetTicketRequest", "context").number = 9;
      },
      /GetTicket: the request must carry its RequestContext as field 1 "context"/,
    ],
    [
      "a RecordKind value naming no record message",
      (img) => delete enumValue(img, "hutong.v1.RecordKind", "RECORD_KIND_LICENCE").options,
      /RECORD_KIND_LICENCE names no record message[\s\S]*hutong\.v1\.Licence declares \(hutong\.v1\.record\) but no hutong\.v1\.RecordKind value names it/,
    ],
    [
      "two records with one label",
      (img) => {
        record(img, "hutong.v1.Invoice").label = "ticket";
      },
      /label "ticket" is also the label of another record/,
    ],
    [
      "an event kind without a transition beside kinds with one",
      (img) => delete enumValue(img, "hutong.v1.TicketEventKind", "TICKET_EVENT_KIND_VOID").options,
      /TICKET_EVENT_KIND_VOID has no transition, as every kind of hutong\.v1\.TicketEventKind must/,
    ],
    [
      "a transition on an axis that is not an enum field of the record",
      (img) => {
        stateChange(img, "TICKET_EVENT_KIND_REFUND", "sale_status").axis = "fare_fen";
      },
      /TICKET_EVENT_KIND_REFUND \(hutong\.v1\.transition\) axis "fare_fen": not an enum field of hutong\.v1\.Ticket/,
    ],
    [
      "a state that is not a value of the axis",
      (img) => stateChange(img, "TICKET_EVENT_KIND_CHECK", "check_status").from.push("SALE_STATUS_SOLD"),
      /"SALE_STATUS_SOLD" is not a nonzero value of hutong\.v1\.CheckStatus/,
    ],
    [
      "a kind that creates its record and requires a prior state",
      (img) => {
        stateChange(img, "TICKET_EVENT_KIND_SALE", "sale_status").from = ["SALE_STATUS_LOCKED"];
      },
      /TICKET_EVENT_KIND_SALE \(hutong\.v1\.transition\) axis "sale_status": a kind that creates its record can require no prior state/,
    ],
    [
      "a kind that neither creates nor requires anything",
      (img) => {
        transition(img, "TICKET_EVENT_KIND_CHECK").changes = [{ axis: "check_status", to: "CHECK_STATUS_CHECKED" }];
      },
      /TICKET_EVENT_KIND_CHECK \(hutong\.v1\.transition\): requires no state of its record/,
    ],
    [
      "a transition about a record that does not exist",
      (img) => {
        transition(img, "TICKET_EVENT_KIND_NO_SHOW").record = "tikcet";
      },
      /record "tikcet" is not the label of any record/,
    ],
    [
      "a data-rule pattern that does not compile",
      (img) => {
        ruleOf(img, "hutong.v1.OperatingPermit", "holder_uscc").pattern = "[0-9A-Z{18}";
      },
      /hutong\.v1\.OperatingPermit\.holder_uscc \(hutong\.v1\.rule\): pattern "\[0-9A-Z\{18\}" does not compile/,
    ],
    [
      "a data-rule pattern with a lookahead (not RE2)",
      (img) => {
        ruleOf(img, "hutong.v1.OperatingPermit", "holder_uscc").pattern = "(?=9)[0-9A-Z]{18}";
      },
      /holder_uscc \(hutong\.v1\.rule\): pattern .* uses a lookaround, which RE2 does not support/,
    ],
    [
      "a data-rule pattern with a backreference (not RE2)",
      (img) => {
        ruleOf(img, "hutong.v1.TransportCertificate", "plate_no").pattern = "([A-Z])\\1[0-9]{5}";
      },
      /plate_no \(hutong\.v1\.rule\): pattern .* uses a backreference \(\\1\), which RE2 does not support/,
    ],
    [
      "a data-rule min above its max",
      (img) => {
        ruleOf(img, "hutong.v1.TransportCertificate", "seats").min = 100;
      },
      /hutong\.v1\.TransportCertificate\.seats \(hutong\.v1\.rule\): min 100 is greater than max 99/,
    ],
    [
      "a fractional bound on an integer field",
      (img) => {
        ruleOf(img, "hutong.v1.TransportCertificate", "seats").max = 9.5;
      },
      /seats \(hutong\.v1\.rule\): max 9\.5 is not an integer, as a field of type uint32 holds/,
    ],
    [
      "a pattern on a number field",
      (img) => {
        ruleOf(img, "hutong.v1.TransportCertificate", "seats").pattern = "[0-9]+";
      },
      /seats \(hutong\.v1\.rule\): pattern cannot apply to a field of type uint32/,
    ],
    [
      "a range on a string field",
      (img) => {
        ruleOf(img, "hutong.v1.Licence", "licence_no").min = 1;
      },
      /Licence\.licence_no \(hutong\.v1\.rule\): min cannot apply to a field of type string/,
    ],
    [
      "a length on an enum field",
      (img) => {
        ruleOf(img, "hutong.v1.Licence", "kind").maxLen = 3;
      },
      /Licence\.kind \(hutong\.v1\.rule\): max_len cannot apply to a field of type enum/,
    ],
    [
      "a date rule on a repeated enum",
      (img) => {
        ruleOf(img, "hutong.v1.PractitionerQualification", "categories").date = true;
      },
      /categories \(hutong\.v1\.rule\): date cannot apply to a repeated field of type enum/,
    ],
    [
      "a data rule on a bytes field",
      (img) => setRule(img, "hutong.v1.PractitionerQualification", "photo", { required: true }),
      /PractitionerQualification\.photo \(hutong\.v1\.rule\): a rule cannot apply to a field of type bytes/,
    ],
    [
      "a required member of a oneof",
      (img) => setRule(img, "hutong.v1.Licence", "operating_permit", { required: true }),
      /Licence\.operating_permit \(hutong\.v1\.rule\): required on a member of the oneof "details"/,
    ],
    [
      "a pattern's message without a pattern",
      (img) => {
        ruleOf(img, "hutong.v1.Licence", "licence_no").message = "is not a licence number";
      },
      /licence_no \(hutong\.v1\.rule\): message is the reason for a pattern mismatch, but there is no pattern/,
    ],
    [
      "a data rule that says nothing",
      (img) => setRule(img, "hutong.v1.Licence", "issuer_code", {}),
      /Licence\.issuer_code \(hutong\.v1\.rule\): the rule says nothing/,
    ],
    [
      "a kind naming a detail that is no oneof member",
      (img) => {
        licenceKind(img, "LICENCE_KIND_RADIOACTIVE_OPERATING_PERMIT").options["[hutong.v1.detail]"] =
          "radioactive_permit";
      },
      /hutong\.v1\.LicenceKind\.LICENCE_KIND_RADIOACTIVE_OPERATING_PERMIT \(hutong\.v1\.detail\): "radioactive_permit" is not a oneof member of any message with a hutong\.v1\.LicenceKind field/,
    ],
    [
      "a kind without a detail beside kinds with one",
      (img) => delete licenceKind(img, "LICENCE_KIND_PRACTITIONER_QUALIFICATION").options,
      /LICENCE_KIND_PRACTITIONER_QUALIFICATION names no \(hutong\.v1\.detail\), as every kind of hutong\.v1\.LicenceKind must/,
    ],
    [
      "a detail on the zero kind",
      (img) => {
        licenceKind(img, "LICENCE_KIND_UNSPECIFIED").options = { "[hutong.v1.detail]": "operating_permit" };
      },
      /hutong\.v1\.LicenceKind: its zero value names a detail/,
    ],
    [
      "details that are members of oneofs of different messages",
      (img) => {
        // LicenceLookup has a LicenceKind field too, and licence_id is a member of its oneof "key".
        licenceKind(img, "LICENCE_KIND_PRACTITIONER_QUALIFICATION").options["[hutong.v1.detail]"] = "licence_id";
      },
      /hutong\.v1\.LicenceKind \(hutong\.v1\.detail\): the members named are not in one oneof of one message/,
    ],
    [
      "details that two messages could carry",
      (img) => {
        const file = img.file.find((f: Json) => f.name === "hutong/v1/licence.proto");
        file.messageType.push({
          ...structuredClone(message(img, "hutong.v1.Licence")),
          name: "LicenceCopy",
          options: {},
        });
      },
      /hutong\.v1\.LicenceKind \(hutong\.v1\.detail\): ambiguous, the members named are in hutong\.v1\.Licence\.details and hutong\.v1\.LicenceCopy\.details/,
    ],
    [
      "data rules inside the values of a map",
      (img) => {
        const event = message(img, "hutong.v1.LicenceEvent");
        const entry = (value: Json): Json => ({
          name: "ByIdEntry",
          field: [
            { name: "key", number: 1, label: "LABEL_OPTIONAL", type: "TYPE_STRING", jsonName: "key" },
            { name: "value", number: 2, label: "LABEL_OPTIONAL", ...value, jsonName: "value" },
          ],
          options: { mapEntry: true },
        });
        event.nestedType = [entry({ type: "TYPE_MESSAGE", typeName: ".hutong.v1.Licence" })];
        event.field.push({
          name: "by_id",
          number: 99,
          label: "LABEL_REPEATED",
          type: "TYPE_MESSAGE",
          typeName: ".hutong.v1.LicenceEvent.ByIdEntry",
          jsonName: "byId",
          options: { "[hutong.v1.rule]": { required: true } },
        });
      },
      /hutong\.v1\.LicenceEvent\.by_id \(hutong\.v1\.rule\): a rule cannot apply to a map field[\s\S]*hutong\.v1\.LicenceEvent\.by_id: the values of a map hold data rules, which are not checked inside maps/,
    ],
  ];
  for (const [name, change, expected] of cases) {
    it(`refuses ${name}`, () => {
      const problems = problemsAfter(change);
      assert.ok(problems.length > 0, "generation accepted it");
      assert.match(problems.join("\n"), expected);
    });
  }

  it("lists every problem at once", () => {
    const problems = problemsAfter((img) => {
      delete enumValue(img, "hutong.v1.Purpose", "PURPOSE_EMERGENCY").options;
      view(img, "hutong.v1.Ticket", "operational").fields.push("seat_nr");
    });
    assert.equal(problems.length, 2, problems.join("\n"));
  });

  it("fails `npm run generate` with the message, from a .proto edit", () => {
    const work = mkdtempSync(join(tmpdir(), "hutong-proto-check-"));
    try {
      for (const item of ["buf.yaml", "buf.gen.yaml", "grpc", "hutong", "scripts"]) {
        cpSync(join(protoDir, item), join(work, item), { recursive: true });
      }
      const ticket = join(work, "hutong/v1/ticket.proto");
      writeFileSync(ticket, readFileSync(ticket, "utf8").replace('"seat_type",', '"seat_typ",'));
      const run = spawnSync(process.execPath, [join(work, "scripts", "generate.mjs")], { env, encoding: "utf8" });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /the contract's options are inconsistent:/);
      assert.match(
        run.stderr,
        /hutong\.v1\.Ticket \(hutong\.v1\.record\) view "\w+": hutong\.v1\.Ticket has no field "seat_typ"/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
