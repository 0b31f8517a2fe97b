import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IssueInvoiceRequest } from "@hutong/proto";
import fc from "fast-check";
import { requestJsonProblems } from "./request-json.js";

const context = { targetParty: "prov:510000", purpose: "PURPOSE_BOARDING_CHECK" };

describe("requestJsonProblems", () => {
  it("accepts a well-formed request, in lowerCamel or proto field names, with nulls for unset fields", () => {
    assert.deepEqual(requestJsonProblems("hutong.v1.VerifyTicketRequest", { context, ticketNo: "E1" }), []);
    assert.deepEqual(
      requestJsonProblems("hutong.v1.VerifyTicketRequest", {
        context: { target_party: "prov:510000", correlation_id: "c" },
        ticket_no: "E1",
        holder_name: null,
      }),
      [],
    );
    assert.deepEqual(
      requestJsonProblems("hutong.v1.GetLicenceRequest", { context, lookup: { licenceNo: "L1", kind: 1 } }),
      [],
    );
    assert.deepEqual(requestJsonProblems("hutong.v1.ListPartiesRequest", {}), []);
  });

  it("names an unknown field at the top, with the fields the message has", () => {
    const problems = requestJsonProblems("hutong.v1.VerifyTicketRequest", { context, ticketNumber: "E1" });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /^ticketNumber: unknown field \(hutong\.v1\.VerifyTicketRequest has context, ticketNo, /,
    );
  });

  it("finds unknown fields at any depth: nested, inside a oneof's message, in repeated messages", () => {
    assert.deepEqual(
      requestJsonProblems("hutong.v1.VerifyTicketRequest", { context: { ...context, purpse: "x" } }).map(path),
      ["context.purpse"],
    );
    assert.deepEqual(
      requestJsonProblems("hutong.v1.GetLicenceRequest", { context, lookup: { licenceNo: "L1", holder: "x" } }).map(
        path,
      ),
      ["lookup.holder"],
    );
    const reverse = {
      context,
      lines: [
        { blueLineNo: 1, amount: "1.00" },
        { blueLineNo: 2, amount: "1.00", taxAmout: "0.06" },
      ],
    };
    assert.deepEqual(requestJsonProblems("hutong.v1.ReverseInvoiceRequest", reverse).map(path), ["lines[1].taxAmout"]);
    const draft = { draft: { invoiceNo: "1", lines: [{ lineNo: 1 }, { lineNo: 2, colour: "red" }] }, extra: 1 };
    assert.deepEqual(requestJsonProblems("hutong.v1.IssueInvoiceRequest", draft).map(path).sort(), [
      "draft.lines[1].colour",
      "extra",
    ]);
    // A oneof whose member is a message (the reflection request's file_containing_extension).
    assert.deepEqual(
      requestJsonProblems("grpc.reflection.v1.ServerReflectionRequest", {
        fileContainingExtension: { containingType: "x", extensionNumbr: 1 },
      }).map(path),
      ["fileContainingExtension.extensionNumbr"],
    );
    // Map values that are messages.
    assert.deepEqual(
      requestJsonProblems("grpc.health.v1.HealthListResponse", { statuses: { a: { status: 1 }, b: { state: 1 } } }).map(
        path,
      ),
      ['statuses["b"].state'],
    );
  });

  it("refuses two fields of one oneof, one field under both spellings, and the wrong JSON kind", () => {
    const both = requestJsonProblems("hutong.v1.GetLicenceRequest", { lookup: { licenceId: "a", licence_no: "b" } });
    assert.deepEqual(both, ["lookup: licenceId and licence_no are both set, but oneof key takes at most one"]);
    assert.deepEqual(requestJsonProblems("hutong.v1.VerifyTicketRequest", { ticketNo: "a", ticket_no: "b" }), [
      "ticket_no: names the same field as ticketNo",
    ]);
    assert.deepEqual(requestJsonProblems("hutong.v1.VerifyTicketRequest", { context: "prov:510000" }), [
      "context: expected a JSON object (hutong.v1.RequestContext)",
    ]);
    assert.deepEqual(requestJsonProblems("hutong.v1.ReverseInvoiceRequest", { lines: { blueLineNo: 1 } }), [
      "lines: expected a JSON array",
    ]);
    assert.deepEqual(requestJsonProblems("hutong.v1.ReverseInvoiceRequest", { lines: [7] }), [
      "lines[0]: expected a JSON object (hutong.v1.ReversalLine)",
    ]);
    for (const top of [[], "x", 1, null]) {
      assert.deepEqual(requestJsonProblems("hutong.v1.VerifyTicketRequest", top), [
        "the request: expected a JSON object (hutong.v1.VerifyTicketRequest)",
      ]);
    }
  });

  it("accepts whatever ts-proto's own toJSON writes (property)", () => {
    const text = fc.string({ maxLength: 8 });
    const line = fc.record({ lineNo: fc.nat(), itemName: text, amount: text, taxRate: text, taxAmount: text });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 3 }), text, text, (lines, invoiceNo, key) => {
        const message = IssueInvoiceRequest.fromPartial({
          context: { targetParty: "tax:chinatax", correlationId: key },
          idempotencyKey: key,
          draft: { invoiceNo, lines },
        });
        const json = JSON.parse(JSON.stringify(IssueInvoiceRequest.toJSON(message)));
        assert.deepEqual(requestJsonProblems("hutong.v1.IssueInvoiceRequest", json), []);
      }),
    );
  });
});

function path(problem: string): string {
  return problem.slice(0, problem.indexOf(":"));
}
