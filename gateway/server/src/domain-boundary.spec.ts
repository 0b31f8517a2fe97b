// The gateway's core knows no domain: the pipeline, share, routing and grants code reads what it needs
// about services, methods and records from the tables generated out of the contract's options
// (@hutong/proto: contractServices, shareMethods, recordSchemas, purposePolicy), so a new record
// service (docs/adding-a-record-service.md) needs no edit there. This test holds that line: no
// non-test file under those folders may name a record service, one of its methods or messages, a
// type or value of a record's file, a RecordKind value, or a record's label as a string.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { contractFiles, contractServices, contractSymbols, RecordKind, recordSchemas } from "@hutong/proto";

const src = fileURLToPath(new URL(".", import.meta.url));
const coreFolders = ["pipeline", "share", "routing", "grants"];

/** The domain's names: everything declared in a file that holds a record service or a record message. */
function domainNames(): { identifiers: ReadonlySet<string>; labels: readonly string[] } {
  const recordServices = contractServices.filter((s) => s.routing === "share");
  const domainFiles = new Set([
    ...recordServices.map((s) => s.file),
    ...[...recordSchemas.values()].map((r) => contractSymbols.get(r.message) ?? ""),
  ]);
  const identifiers = new Set<string>();
  for (const file of contractFiles.filter((f) => domainFiles.has(f.name))) {
    for (const symbol of file.symbols) {
      const last = symbol.slice(symbol.lastIndexOf(".") + 1);
      // Types, enum values, services and methods; field names (lower_snake) are ordinary words.
      if (/^[A-Z]/.test(last)) identifiers.add(last);
    }
  }
  for (const s of recordServices) for (const m of s.methods) identifiers.add(m.name);
  for (const kind of recordSchemas.keys()) identifiers.add(RecordKind[kind] ?? "");
  return { identifiers, labels: [...recordSchemas.values()].map((r) => r.label) };
}

function domainMentions(text: string, names: ReturnType<typeof domainNames>): string[] {
  const found = new Set<string>();
  for (const [word] of text.matchAll(/[A-Za-z_$][\w$]*/g)) if (names.identifiers.has(word)) found.add(word);
  for (const label of names.labels) {
    if (new RegExp(`["'\`]${label}(\\.[a-z0-9_.]*)?["'\`]`).test(text)) found.add(JSON.stringify(label));
  }
  return [...found].sort();
}

function coreFiles(): string[] {
  return coreFolders.flatMap((folder) =>
    readdirSync(join(src, folder), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .filter((e) => !e.name.endsWith(".spec.ts") && !e.name.startsWith("testing-"))
      .map((e) => join(e.parentPath, e.name)),
  );
}

describe("the domain boundary", () => {
  const names = domainNames();

  it("knows the domain's names from the contract", () => {
    for (const name of ["TicketService", "GetLicence", "VerifyTicket", "IssueInvoice", "Ticket", "Person"]) {
      assert.ok(names.identifiers.has(name), name);
    }
    for (const name of ["OperatingPermit", "SALE_STATUS_SOLD", "RECORD_KIND_LICENCE", "GetTicketResponse"]) {
      assert.ok(names.identifiers.has(name), name);
    }
    assert.deepEqual([...names.labels].sort(), ["invoice", "licence", "ticket"]);
    // Infrastructure is not domain: grant administration, sessions, the audit log, common types.
    for (const name of ["GrantService", "RegisterGrant", "RequestContext", "IdType", "Purpose", "AuditEntry"]) {
      assert.equal(names.identifiers.has(name), false, name);
    }
  });

  it("catches a mention, in code or in a comment", () => {
    assert.deepEqual(domainMentions('shareMethod("hutong.v1.TicketService/GetTicket")', names), [
      "GetTicket",
      "TicketService",
    ]);
    assert.deepEqual(domainMentions("// decodes a GetLicenceResponse", names), ["GetLicenceResponse"]);
    assert.deepEqual(domainMentions('recordRoot(kind) === "ticket"', names), ['"ticket"']);
    assert.deepEqual(domainMentions("const paths = ['licence.licence_id'];", names), ['"licence"']);
    assert.deepEqual(domainMentions("a session ticket; the licence of a party; getTicketKey()", names), []);
  });

  it(`finds none under ${coreFolders.join(", ")} (non-test files)`, () => {
    const files = coreFiles();
    assert.ok(files.length > 30, `checked ${files.length} files`);
    const offending = files
      .map((f) => [relative(src, f), domainMentions(readFileSync(f, "utf8"), names)] as const)
      .filter(([, found]) => found.length > 0)
      .map(([f, found]) => `${f}: ${found.join(", ")}`);
    assert.deepEqual(offending, []);
  });
});
