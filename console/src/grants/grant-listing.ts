import { GetGrantRequest, GrantServiceService, ListGrantsRequest, Purpose } from "@hutong/proto";
import type { GrantsView, GrantView } from "../api/api-types.js";
import { searchAudit } from "../audit/audit-search.js";
import { purposeOf } from "../audit/entry-view.js";
import { ConsoleError, isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { grantStatusOf, grantView } from "./grant-view.js";

// Grants as a gateway holds them. GrantService lists by grantee or by subject only, so the
// overview finds the grants a gateway registered in its audit log (every registration is an
// entry) and reads each with GetGrant, as the regulator (the console's party is a revocation
// authority, docs/grants.md). A holder's own grants are listed by their subject digest.

const purposes = Object.values(Purpose).filter((v): v is Purpose => typeof v === "number" && v > 0);

const context = (gateway: string, purpose: Purpose) => ({
  targetParty: gateway,
  purpose,
  grantId: "",
  correlationId: "",
});

export async function listGrants(
  pool: GatewayPool,
  username: string,
  gateways: readonly string[],
  status: string | undefined,
): Promise<GrantsView> {
  if (status !== undefined && status !== "" && grantStatusOf(status) === undefined) {
    throw new ConsoleError("invalid-argument", "unknown grant status");
  }
  const unavailable: { gateway: string; error: string }[] = [];
  const grants: GrantView[] = [];
  await Promise.all(
    gateways.map(async (gateway) => {
      try {
        const registered = await searchAudit(
          { pool, username, gateways: [gateway] },
          { limit: 1000, decision: "allow" },
        );
        const ids = new Map<string, Purpose>();
        for (const e of registered.entries) {
          const purpose = purposeOf(e.purpose);
          if (e.grantId !== "" && e.method.endsWith("/RegisterGrant") && purpose !== undefined)
            ids.set(e.grantId, purpose);
        }
        // Eight reads in flight at a time on the gateway's one session, rather than one by one.
        const pending = [...ids];
        const read = async () => {
          for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
            const [grantId, purpose] = next;
            const res = await pool.call(
              gateway,
              GrantServiceService.getGrant,
              GetGrantRequest.fromPartial({ context: context(gateway, purpose), grantId }),
            );
            const view = res.record === undefined ? undefined : grantView(gateway, res.record);
            if (view !== undefined && (status === undefined || status === "" || view.status === status))
              grants.push(view);
          }
        };
        await Promise.all(Array.from({ length: 8 }, read));
      } catch (e) {
        if (!isConsoleError(e)) throw e;
        unavailable.push({ gateway, error: e.message });
      }
    }),
  );
  grants.sort((a, b) => b.notBefore.localeCompare(a.notBefore) || a.grantId.localeCompare(b.grantId));
  return { grants, unavailable };
}

/** Every grant naming `subjectDigest` at the gateways, over every purpose. */
export async function grantsOfSubject(
  pool: GatewayPool,
  gateways: readonly string[],
  subjectDigest: Uint8Array,
): Promise<GrantView[]> {
  const out: GrantView[] = [];
  await Promise.all(
    gateways.map(async (gateway) => {
      for (const purpose of purposes) {
        const res = await pool.call(
          gateway,
          GrantServiceService.listGrants,
          ListGrantsRequest.fromPartial({
            context: context(gateway, purpose),
            filter: { $case: "subjectDigest", value: Buffer.from(subjectDigest) },
            pageSize: 500,
          }),
        );
        for (const r of res.records) {
          const v = grantView(gateway, r);
          if (v !== undefined) out.push(v);
        }
      }
    }),
  );
  return out.sort((a, b) => b.notBefore.localeCompare(a.notBefore));
}
