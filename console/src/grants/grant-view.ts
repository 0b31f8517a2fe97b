import { GrantBody, GrantorKind, type GrantRecord, GrantStatus, RecordKind } from "@hutong/proto";
import type { GrantView } from "../api/api-types.js";
import { purposeName } from "../audit/entry-view.js";

const statuses: Record<number, GrantView["status"]> = {
  [GrantStatus.GRANT_STATUS_ACTIVE]: "active",
  [GrantStatus.GRANT_STATUS_USED_UP]: "used-up",
  [GrantStatus.GRANT_STATUS_EXPIRED]: "expired",
  [GrantStatus.GRANT_STATUS_REVOKED]: "revoked",
};
const grantors: Record<number, GrantView["grantorKind"]> = {
  [GrantorKind.GRANTOR_KIND_HOLDER]: "holder",
  [GrantorKind.GRANTOR_KIND_AUTHORITY]: "authority",
};

/** The status for a page's name ("used-up"), or undefined. */
export function grantStatusOf(name: string): GrantStatus | undefined {
  const found = Object.entries(statuses).find(([, v]) => v === name);
  return found === undefined ? undefined : (Number(found[0]) as GrantStatus);
}

/** A grant record as the page shows it: the signed body's facts, its status and uses at `gateway`. */
export function grantView(gateway: string, record: GrantRecord): GrantView | undefined {
  if (record.grant === undefined) return undefined;
  const body = GrantBody.decode(record.grant.body);
  const iso = (d: Date | undefined) => (d ?? new Date(0)).toISOString();
  return {
    gateway,
    grantId: record.grantId,
    status: statuses[record.status] ?? "unspecified",
    grantorKind: grantors[body.grantorKind] ?? "unspecified",
    grantorParty: body.grantorParty,
    granteeParty: body.granteeParty,
    ownerParty: body.ownerParty,
    subjectDigestHex: Buffer.from(body.subjectDigest).toString("hex"),
    recordKind: (RecordKind[body.recordKind] ?? "RECORD_KIND_UNSPECIFIED").replace(/^RECORD_KIND_/, ""),
    purpose: purposeName(body.purpose),
    notBefore: iso(body.notBefore),
    expiresAt: iso(body.expiresAt),
    useLimit: body.useLimit,
    uses: record.uses,
    fieldsAllowed: [...body.fieldsAllowed],
    ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt.toISOString() }),
  };
}
