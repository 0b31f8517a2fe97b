// Test support (excluded from the build): grant bodies that pass every format rule, to mutate.
import { type GrantBody, GrantorKind, Purpose, RecordKind } from "@hutong/proto";

export const testNow = new Date("2026-06-01T00:00:00Z");
export const hour = 3_600_000;
export const day = 86_400_000;

export const subjectA = new Uint8Array(32).fill(0xa1);
export const subjectB = new Uint8Array(32).fill(0xb2);

/** A passenger lets prov:440000 serve ticket T1 (owned by prov:510000) for a week, 3 uses. */
export function holderBody(overrides: Partial<GrantBody> = {}): GrantBody {
  return {
    version: 1,
    grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
    grantorParty: "",
    granteeParty: "prov:440000",
    ownerParty: "prov:510000",
    subjectDigest: Buffer.from(subjectA),
    recordKind: RecordKind.RECORD_KIND_E_TICKET,
    recordIds: ["T1"],
    purpose: Purpose.PURPOSE_TICKET_SERVICE,
    notBefore: new Date(testNow.getTime() - hour),
    expiresAt: new Date(testNow.getTime() + 7 * day),
    useLimit: 3,
    fieldsAllowed: ["ticket.ticket_no", "ticket.passenger.name", "ticket.sale_status"],
    issuedAt: new Date(testNow.getTime() - hour),
    nonce: Buffer.alloc(16, 0x5a),
    ...overrides,
  };
}

/** The ministry lets prov:440000 find subject A's tickets anywhere for a day, in an emergency. */
export function authorityBody(overrides: Partial<GrantBody> = {}): GrantBody {
  return holderBody({
    grantorKind: GrantorKind.GRANTOR_KIND_AUTHORITY,
    grantorParty: "mot",
    ownerParty: "",
    recordIds: [],
    purpose: Purpose.PURPOSE_EMERGENCY,
    expiresAt: new Date(testNow.getTime() + day),
    useLimit: 0,
    fieldsAllowed: ["ticket.passenger", "ticket.schedule_no"],
    ...overrides,
  });
}
