import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { personalFields } from "@hutong/proto";
import fc from "fast-check";
import { createPersonalDataRedactor, personalDataKeys } from "./personal-data-redaction.js";

const censor = "[x]";
const redact = createPersonalDataRedactor({ censor });

describe("personal data redaction", () => {
  it("covers every personal field of the contract in both spellings, and no path-only field", () => {
    for (const fields of personalFields.values()) {
      for (const f of fields) {
        if (f.kind === undefined) {
          continue;
        }
        assert.ok(personalDataKeys.has(f.field), f.field);
        assert.ok(personalDataKeys.has(f.tsName), f.tsName);
      }
    }
    for (const key of ["idNo", "id_no", "holderIdNo", "holder_id_no", "holderName", "name", "phone", "photo"]) {
      assert.ok(personalDataKeys.has(key), key);
    }
    // `passenger` and `ticket` lead to personal fields: the leaves inside are redacted, not the whole message.
    assert.equal(personalDataKeys.has("passenger"), false);
    assert.equal(personalDataKeys.has("ticket"), false);
  });

  it("redacts at any depth, in arrays and oneof wrappers, without touching the input", () => {
    const input = {
      method: "/hutong.v1.Exchange/GetTicket",
      response: {
        ticket: {
          ticketNo: "T1",
          passenger: { name: "张三", idNo: "110101199003074514", phone: "13800000000", nationality: "CN" },
        },
        licence: { details: { $case: "practitionerQualification", value: { idNo: "X", photo: new Uint8Array(3) } } },
        invoice: { passengerElements: [{ travellerName: "李四", seat: "3A" }, { traveller_id_no: "Y" }] },
      },
    };
    const before = structuredClone(input);
    const out = redact(input);
    assert.deepEqual(input, before, "the input is not mutated");
    assert.deepEqual(out, {
      method: "/hutong.v1.Exchange/GetTicket",
      response: {
        ticket: { ticketNo: "T1", passenger: { name: censor, idNo: censor, phone: censor, nationality: "CN" } },
        licence: { details: { $case: "practitionerQualification", value: { idNo: censor, photo: censor } } },
        invoice: { passengerElements: [{ travellerName: censor, seat: "3A" }, { traveller_id_no: censor }] },
      },
    });
  });

  it("returns the very same object when there is nothing to redact", () => {
    const flat = { method: "/m", route: "local", status: "OK", durationMs: 1 };
    assert.equal(redact(flat), flat);
    const nested = { a: [{ b: { c: 1 } }], d: null, e: undefined };
    assert.equal(redact(nested), nested);
    const partly = { clean: { x: 1 }, dirty: { idNo: "1" } };
    const out = redact(partly);
    assert.equal(out.clean, partly.clean, "untouched branches are shared, not copied");
    assert.notEqual(out.dirty, partly.dirty);
    for (const primitive of ["s", 1, true, null, undefined]) assert.equal(redact(primitive), primitive);
  });

  it("leaves class instances to their serializers", () => {
    const err = Object.assign(new Error("boom"), { code: "bad-mac" });
    assert.equal(redact({ err }).err, err);
    const when = new Date(0);
    assert.equal(redact({ when }).when, when);
  });

  it("censors whatever lies beyond the depth limit, so cycles end", () => {
    const shallow = createPersonalDataRedactor({ censor, maxDepth: 2 });
    assert.deepEqual(shallow({ a: { b: { idNo: "1" } } }), { a: { b: censor } });
    assert.deepEqual(shallow({ a: { idNo: "1" } }), { a: { idNo: censor } });
    const cyclic: Record<string, unknown> = { idNo: "1" };
    cyclic.self = cyclic;
    const out = redact(cyclic) as Record<string, unknown>;
    assert.equal(out.idNo, censor);
  });

  it("never lets a personal key's value through (property)", () => {
    const key = fc.constantFrom(...personalDataKeys, "ok", "route", "value", "items");
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.string(),
        fc.integer(),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const seen: unknown[] = [];
        const visit = (v: unknown): void => {
          if (Array.isArray(v)) v.forEach(visit);
          else if (typeof v === "object" && v !== null) {
            for (const [k, child] of Object.entries(v)) {
              if (personalDataKeys.has(k)) seen.push(child);
              else visit(child);
            }
          }
        };
        visit(redact(value));
        return seen.every((v) => v === censor);
      }),
    );
  });
});
