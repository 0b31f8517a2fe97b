import { GrantServiceService, type GrantStatus, ListGrantsRequest, Purpose } from "@hutong/proto";
import type { GrantsView, GrantView } from "../api/api-types.js";
import { ConsoleError, isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { grantStatusOf, grantView } from "./grant-view.js";

// Grants as the gateways hold them, read with GrantService.ListGrants: the overview asks for every
// grant of each purpose (every_grant, which only a revocation authority may ask, and the console's
// party is one, docs/grants.md), a holder's view for the grants naming their subject digest. Every
// page is followed, up to a limit per gateway that the answer reports when it is reached.

const purposes = Object.values(Purpose).filter((v): v is Purpose => typeof v === "number" && v > 0);

/** Grants read from one gateway for one overview, at most: a page stays usable, and says it was cut. */
export const maxGrantsPerGateway = 5000;
const pageSize = 500;

const context = (gateway: string, purpose: Purpose, correlationId: string) => ({
  targetParty: gateway,
  purpose,
  grantId: "",
  correlationId,
});

type Filter = NonNullable<ListGrantsRequest["filter"]>;

/**
 * The grants of `filter` at `gateway`, over every purpose, following every page; stops once
 * `limit` are read (`cut` then says so). One call in flight per gateway: each page is answered
 * from the store's index, so an overview costs the gateway pages, not a scan.
 */
async function grantsAt(
  pool: GatewayPool,
  gateway: string,
  filter: Filter,
  statuses: readonly GrantStatus[],
  limit: number,
  correlationId = "",
): Promise<{ views: GrantView[]; cut: boolean }> {
  const views: GrantView[] = [];
  for (const purpose of purposes) {
    let pageToken = "";
    do {
      const res = await pool.call(
        gateway,
        GrantServiceService.listGrants,
        ListGrantsRequest.fromPartial({
          context: context(gateway, purpose, correlationId),
          filter,
          pageSize,
          pageToken,
          statuses: [...statuses],
        }),
      );
      for (const r of res.records) {
        const v = grantView(gateway, r);
        if (v === undefined) continue;
        if (views.length === limit) return { views, cut: true };
        views.push(v);
      }
      pageToken = res.nextPageToken;
    } while (pageToken !== "");
  }
  return { views, cut: false };
}

const newestFirst = (a: GrantView, b: GrantView) =>
  b.notBefore.localeCompare(a.notBefore) || a.grantId.localeCompare(b.grantId);

export async function listGrants(
  pool: GatewayPool,
  gateways: readonly string[],
  status: string | undefined,
  limit = maxGrantsPerGateway,
): Promise<GrantsView> {
  const wanted = status === undefined || status === "" ? undefined : grantStatusOf(status);
  if (status !== undefined && status !== "" && wanted === undefined) {
    throw new ConsoleError("invalid-argument", "unknown grant status");
  }
  const unavailable: { gateway: string; error: string }[] = [];
  const limited: string[] = [];
  const grants: GrantView[] = [];
  await Promise.all(
    gateways.map(async (gateway) => {
      try {
        const found = await grantsAt(
          pool,
          gateway,
          { $case: "everyGrant", value: true },
          wanted === undefined ? [] : [wanted],
          limit,
        );
        grants.push(...found.views);
        if (found.cut) limited.push(gateway);
      } catch (e) {
        if (!isConsoleError(e)) throw e;
        unavailable.push({ gateway, error: e.message });
      }
    }),
  );
  return { grants: grants.sort(newestFirst), unavailable, limited: limited.sort(), perGateway: limit };
}

/**
 * Every grant naming `subjectDigest` at the gateways, over every purpose. Each gateway records
 * each such listing (reason grant-query) under `correlationId`, as it records a search of its log
 * by subject.
 */
export async function grantsOfSubject(
  pool: GatewayPool,
  gateways: readonly string[],
  subjectDigest: Uint8Array,
  correlationId: string,
): Promise<GrantView[]> {
  const found = await Promise.all(
    gateways.map((gateway) =>
      grantsAt(
        pool,
        gateway,
        { $case: "subjectDigest", value: Buffer.from(subjectDigest) },
        [],
        maxGrantsPerGateway,
        correlationId,
      ),
    ),
  );
  return found.flatMap((f) => f.views).sort(newestFirst);
}
