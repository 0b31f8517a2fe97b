import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { create, createFileRegistry, type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { contractFiles, GrantorKind, PersonalKind, Purpose, personalFields, RecordKind } from "@hutong/proto";
import {
  createAuthorityPolicy,
  defaultAuthorityPolicy,
  grantPolicyViolation,
  type KnownPurpose,
  type OperationRule,
  operationRule,
  type PurposeRow,
  policyFields,
  purposePolicyTable,
  shareOperations,
} from "./authority-policy.js";
import { pathCovers, recordRoot } from "./field-paths.js";
import { validateGrantBody } from "./grant-codec.js";
import { isGrantsError } from "./grants-error.js";
import { authorityBody, day, holderBody, testNow } from "./testing-grants.js";

/** The record messages as the contract's generated descriptor set describes them. */
function loadRecordSchema() {
  const file = contractFiles.map((f) => fromBinary(FileDescriptorProtoSchema, f.descriptor));
  return createFileRegistry(create(FileDescriptorSetSchema, { file }));
}

const recordMessages: Readonly<Record<number, string>> = {
  [RecordKind.RECORD_KIND_E_TICKET]: "hutong.v1.Ticket",
  [RecordKind.RECORD_KIND_LICENCE]: "hutong.v1.Licence",
  [RecordKind.RECORD_KIND_E_INVOICE]: "hutong.v1.Invoice",
};

/** Every personal leaf path below a record message, from the generated personal-field table. */
function personalPaths(message: string, prefix: string): Array<{ path: string; kind: PersonalKind }> {
  return (personalFields.get(message) ?? []).flatMap((f) => {
    const path = `${prefix}.${f.field}`;
    if (f.kind !== undefined) return [{ path, kind: f.kind }];
    return f.message === undefined ? [] : personalPaths(f.message, path);
  });
}

const rows = Object.entries(purposePolicyTable) as [string, PurposeRow][];
const purposeName = (key: string): string => Purpose[Number(key)] ?? key;

describe("authority policy table", () => {
  it("has a row for every purpose of the contract, and nothing else", () => {
    const contract = Object.values(Purpose).filter((v): v is Purpose => typeof v === "number" && v > 0);
    assert.deepEqual(
      [...defaultAuthorityPolicy.purposes.keys()].sort((a, b) => a - b),
      contract.sort((a, b) => a - b),
    );
  });

  it("names only fields that exist in the record messages", () => {
    const schema = loadRecordSchema();
    let checked = 0;
    for (const [key, row] of rows) {
      for (const [kind, rule] of Object.entries(row.records)) {
        for (const path of rule.fields) {
          const [rootLabel, ...segments] = path.split(".");
          assert.equal(rootLabel, recordRoot(Number(kind)));
          let type: DescMessage | undefined = schema.getMessage(recordMessages[Number(kind)] ?? "");
          for (const segment of segments) {
            assert.ok(type, `${purposeName(key)}: ${path} descends into a scalar`);
            const field = type.fields.find((f) => f.name === segment);
            assert.ok(field, `${purposeName(key)}: ${path} has no field ${segment}`);
            type = field.message;
          }
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `checked ${checked} paths`);
  });

  it("never releases a personal field without a grant", () => {
    for (const [key, row] of rows) {
      for (const [kind, rule] of Object.entries(row.records)) {
        if (rule.fetch.access !== "open") continue;
        const root = recordRoot(Number(kind)) ?? "";
        for (const { path } of personalPaths(recordMessages[Number(kind)] ?? "", root)) {
          const leak = rule.fields.find((f) => pathCovers(f, path) || pathCovers(path, f));
          assert.equal(leak, undefined, `${purposeName(key)} releases personal ${path} without a grant`);
        }
      }
    }
  });

  it("never releases a photo (biometric) under any purpose", () => {
    const photos = personalPaths("hutong.v1.Licence", "licence").filter(
      (p) => p.kind === PersonalKind.PERSONAL_KIND_PHOTO,
    );
    assert.deepEqual(
      photos.map((p) => p.path),
      ["licence.practitioner_qualification.photo"],
    );
    for (const [key, row] of rows) {
      for (const rule of Object.values(row.records)) {
        assert.ok(
          !rule.fields.some((f) => pathCovers(f, "licence.practitioner_qualification.photo")),
          purposeName(key),
        );
      }
    }
  });

  it("lets law enforcement verify a licence without consent but never fetch it", () => {
    const p = defaultAuthorityPolicy;
    const le = Purpose.PURPOSE_LAW_ENFORCEMENT;
    assert.deepEqual(operationRule(p, le, RecordKind.RECORD_KIND_LICENCE, "verify"), { access: "open" });
    assert.deepEqual(operationRule(p, le, RecordKind.RECORD_KIND_LICENCE, "fetch"), { access: "denied" });
    assert.deepEqual(policyFields(p, le, RecordKind.RECORD_KIND_LICENCE), []);
  });

  it("answers 'denied' for unknown purposes, record kinds and rows left out", () => {
    const p = defaultAuthorityPolicy;
    for (const op of shareOperations) {
      assert.deepEqual(operationRule(p, Purpose.PURPOSE_UNSPECIFIED, RecordKind.RECORD_KIND_E_TICKET, op), {
        access: "denied",
      });
      assert.deepEqual(operationRule(p, 42, RecordKind.RECORD_KIND_E_TICKET, op), { access: "denied" });
      assert.deepEqual(operationRule(p, Purpose.PURPOSE_BOARDING_CHECK, RecordKind.RECORD_KIND_LICENCE, op), {
        access: "denied",
      });
      assert.deepEqual(operationRule(p, Purpose.PURPOSE_BOARDING_CHECK, 9, op), { access: "denied" });
    }
  });
});

describe("docs/grants.md §9", () => {
  it("shows the generated policy's rules, row for row", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../../docs/grants.md", import.meta.url)), "utf8");
    const section = doc.slice(doc.indexOf("## 9. The purpose policy table"), doc.indexOf("**Caps on grants**"));
    const shown = section
      .split("\n")
      .filter((line) => /^\| [A-Z_]+ +\| [A-Z_]+ +\|/.test(line) && !line.startsWith("| Purpose"))
      .map((line) =>
        line
          .split("|")
          .slice(1, 5)
          .map((cell) => cell.trim().replaceAll("*", "")),
      )
      .map(([purpose, record, verify, fetch]) => `${purpose} ${record} ${verify} ${fetch}`)
      .sort();
    const word = (r: OperationRule): string => (r.access === "grant" ? `grant (${r.grantors.join(" or ")})` : r.access);
    const generated = rows
      .flatMap(([key, row]) =>
        Object.entries(row.records).map(
          ([kind, rule]) =>
            `${purposeName(key).replace(/^PURPOSE_/, "")} ${(RecordKind[Number(kind)] ?? "").replace(/^RECORD_KIND_/, "")} ${word(rule.verify)} ${word(rule.fetch)}`,
        ),
      )
      .sort();
    assert.deepEqual(shown, generated);
  });
});

describe("createAuthorityPolicy", () => {
  const base = purposePolicyTable;
  const withRow = (purpose: KnownPurpose, row: Partial<PurposeRow>) => ({
    ...base,
    [purpose]: { ...base[purpose], ...row },
  });
  const T = RecordKind.RECORD_KIND_E_TICKET;

  it("refuses tables that contradict themselves", () => {
    const bad: Array<[string, Readonly<Record<KnownPurpose, PurposeRow>>, (readonly string[])?]> = [
      [
        "a path of another record",
        withRow(Purpose.PURPOSE_RECONCILIATION, {
          records: { [T]: { verify: { access: "denied" }, fetch: { access: "open" }, fields: ["licence.kind"] } },
        }),
      ],
      [
        "a grant from nobody",
        withRow(Purpose.PURPOSE_TICKET_SERVICE, {
          records: { [T]: { verify: { access: "grant", grantors: [] }, fetch: { access: "denied" }, fields: [] } },
        }),
      ],
      ["authority grantors nobody uses", withRow(Purpose.PURPOSE_BOARDING_CHECK, { authorityGrantors: ["mot"] })],
      ["authority grants with no grantors", withRow(Purpose.PURPOSE_EMERGENCY, { authorityGrantors: [] })],
      ["a bad grantor pattern", withRow(Purpose.PURPOSE_EMERGENCY, { authorityGrantors: ["ministry"] })],
      [
        "fields for a denied fetch",
        withRow(Purpose.PURPOSE_BOARDING_CHECK, {
          records: { [T]: { verify: { access: "open" }, fetch: { access: "denied" }, fields: ["ticket.ticket_no"] } },
        }),
      ],
      [
        "a fetch releasing nothing",
        withRow(Purpose.PURPOSE_BOARDING_CHECK, {
          records: { [T]: { verify: { access: "open" }, fetch: { access: "open" }, fields: [] } },
        }),
      ],
      [
        "a zero validity cap",
        withRow(Purpose.PURPOSE_TICKET_SERVICE, { holderCaps: { maxValidityDays: 0, maxUses: 1 } }),
      ],
      [
        "a negative use cap",
        withRow(Purpose.PURPOSE_EMERGENCY, { authorityCaps: { maxValidityDays: 1, maxUses: -1 } }),
      ],
      ["an unknown purpose", { ...base, 42: base[Purpose.PURPOSE_BOARDING_CHECK] } as never],
      ["a bad revocation authority", base, ["mot:*"]],
    ];
    for (const [name, table, revokers] of bad) {
      assert.throws(
        () => createAuthorityPolicy(table, revokers),
        (e: unknown) => isGrantsError(e, "invalid-argument"),
        name,
      );
    }
    assert.doesNotThrow(() => createAuthorityPolicy(base));
  });
});

describe("grantPolicyViolation", () => {
  const check = (b: ReturnType<typeof holderBody>) =>
    grantPolicyViolation(defaultAuthorityPolicy, validateGrantBody(b));

  it("accepts grants the policy takes", () => {
    assert.equal(check(holderBody()), null);
    assert.equal(check(authorityBody()), null);
    assert.equal(check(authorityBody({ grantorParty: "prov:510000/emergency" })), null);
    assert.equal(check(authorityBody({ grantorParty: "mot/emergency" })), null);
    assert.equal(
      check(
        holderBody({
          purpose: Purpose.PURPOSE_LICENCE_USE,
          recordKind: RecordKind.RECORD_KIND_LICENCE,
          fieldsAllowed: ["licence.kind"],
        }),
      ),
      null,
    );
  });

  it("refuses a grantor kind, party or record kind the purpose does not take", () => {
    for (const [name, b] of [
      ["holder grant for an emergency", holderBody({ purpose: Purpose.PURPOSE_EMERGENCY })],
      ["authority grant for ticket service", authorityBody({ purpose: Purpose.PURPOSE_TICKET_SERVICE })],
      ["rail as an authority", authorityBody({ grantorParty: "rail:cr" })],
      ["a partner organisation as an authority", authorityBody({ grantorParty: "org:red-cross" })],
      ["a purpose that needs no grant", holderBody({ purpose: Purpose.PURPOSE_BOARDING_CHECK })],
      ["law enforcement (verify is open, fetch denied)", authorityBody({ purpose: Purpose.PURPOSE_LAW_ENFORCEMENT })],
      [
        "a record kind the purpose does not cover",
        holderBody({ recordKind: RecordKind.RECORD_KIND_LICENCE, fieldsAllowed: [] }),
      ],
    ] as const) {
      assert.equal(check(b), "grantor-not-allowed", name);
    }
  });

  it("caps the validity window and use limit per purpose, inclusive", () => {
    const nb = testNow.getTime();
    const window = (days: number, ms = 0) => ({ notBefore: new Date(nb), expiresAt: new Date(nb + days * day + ms) });
    assert.equal(check(holderBody(window(180))), null);
    assert.equal(check(holderBody(window(180, 1))), "exceeds-policy");
    assert.equal(check(holderBody({ useLimit: 20 })), null);
    assert.equal(check(holderBody({ useLimit: 21 })), "exceeds-policy");
    assert.equal(check(authorityBody(window(3))), null);
    assert.equal(check(authorityBody(window(3, 1))), "exceeds-policy");
    assert.equal(check(authorityBody({ useLimit: 1_000_000 })), null);
    assert.equal(check(authorityBody({ grantorKind: GrantorKind.GRANTOR_KIND_AUTHORITY })), null);
  });
});
