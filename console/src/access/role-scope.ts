import type { Account } from "../accounts/account-store.js";
import type { ViewName } from "../api/api-types.js";

// What each role sees (docs/console.md "Roles"), as data: the backend refuses what a scope does
// not include, whatever the page shows. Pure; no I/O.

export interface Scope {
  readonly views: readonly ViewName[];
  /** Gateways whose logs, grants and outboxes the user may read, in configured order. */
  readonly gateways: readonly string[];
  /** A province operator's province party ("prov:510000"): indicators are cut to it. */
  readonly province?: string;
  /** May put dead letters back (on the gateways above). */
  readonly canReplay: boolean;
  /** A holder's own subject digest: everything they see is about it. */
  readonly subjectDigestHex?: string;
}

const views: Record<Account["role"], readonly ViewName[]> = {
  ministry: ["federation", "audit", "grants", "delivery", "indicators"],
  province: ["federation", "audit", "grants", "delivery", "indicators"],
  auditor: ["federation", "audit", "grants"],
  holder: ["my-data"],
};

/** A gateway belongs to a province when it is the province's party or one under it. */
const inProvince = (party: string, province: string) => party === province || party.startsWith(`${province}/`);

export function scopeOf(account: Account, gateways: readonly string[]): Scope {
  switch (account.role) {
    case "province": {
      const province = `prov:${account.province ?? ""}`;
      return {
        views: views.province,
        gateways: gateways.filter((g) => inProvince(g, province)),
        province,
        canReplay: true,
      };
    }
    case "holder":
      return {
        views: views.holder,
        gateways,
        canReplay: false,
        ...(account.subjectDigestHex === undefined ? {} : { subjectDigestHex: account.subjectDigestHex }),
      };
    case "ministry":
      return { views: views.ministry, gateways, canReplay: true };
    case "auditor":
      return { views: views.auditor, gateways, canReplay: false };
  }
}

export const canSee = (scope: Scope, view: ViewName): boolean => scope.views.includes(view);

/** The gateways of `asked` (or all in scope when absent) the user may read; undefined if `asked` is not one. */
export function gatewaysFor(scope: Scope, asked: string | undefined): readonly string[] | undefined {
  if (asked === undefined || asked === "") return scope.gateways;
  return scope.gateways.includes(asked) ? [asked] : undefined;
}

/** Whether an indicator row about `province` (a party id) is the user's to see. */
export const seesProvince = (scope: Scope, province: string): boolean =>
  scope.province === undefined || inProvince(province, scope.province);
