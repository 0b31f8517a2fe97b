import {
  AuditServiceService,
  GatewayRole,
  GetCheckpointRequest,
  GetGatewayInfoRequest,
  ListPartiesRequest,
  ListRoutesRequest,
  PartyKind,
  RegistryServiceService,
  RouteKind,
} from "@hutong/proto";
import type { FederationView, GatewayStatus } from "../api/api-types.js";
import { isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { checkCheckpoint } from "./checkpoint-check.js";

// The federation as the console sees it right now: each gateway asked for its facts (registry,
// certificates, CRLs, witnesses) and its latest checkpoint, which the console verifies itself.
// A gateway that does not answer is shown down, with why; the others still show.

const dayMs = 86_400_000;
const roles: Record<number, string> = {
  [GatewayRole.GATEWAY_ROLE_PROVINCE]: "province",
  [GatewayRole.GATEWAY_ROLE_HUB]: "hub",
  [GatewayRole.GATEWAY_ROLE_ALL_IN_ONE]: "all-in-one",
};
const routeKinds: Record<number, string> = {
  [RouteKind.ROUTE_KIND_LOCAL_BACKEND]: "local",
  [RouteKind.ROUTE_KIND_PEER_GATEWAY]: "peer",
  [RouteKind.ROUTE_KIND_CONNECTOR]: "connector",
};
const partyKinds: Record<number, string> = {
  [PartyKind.PARTY_KIND_PROVINCE]: "province",
  [PartyKind.PARTY_KIND_MINISTRY]: "ministry",
  [PartyKind.PARTY_KIND_PARTNER]: "partner",
};

async function gatewayStatus(pool: GatewayPool, party: string, nowMs: number): Promise<GatewayStatus> {
  const g = pool.gateway(party);
  const base = { party, displayName: g.displayName ?? party, address: g.address };
  const started = performance.now();
  try {
    const info = await pool.call(
      party,
      RegistryServiceService.getGatewayInfo,
      GetGatewayInfoRequest.fromPartial({}),
      5000,
    );
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const [routes, parties, checkpoint] = await Promise.all([
      pool.call(party, RegistryServiceService.listRoutes, ListRoutesRequest.fromPartial({})),
      pool.call(party, RegistryServiceService.listParties, ListPartiesRequest.fromPartial({ pageSize: 1000 })),
      pool
        .call(party, AuditServiceService.getCheckpoint, GetCheckpointRequest.fromPartial({}))
        .then((r) => r.checkpoint)
        .catch((e: unknown) => {
          if (isConsoleError(e, "not-found")) return undefined;
          throw e;
        }),
    ]);
    const days = (d: Date | undefined) => (d === undefined ? 0 : Math.floor((d.getTime() - nowMs) / dayMs));
    const cp =
      checkpoint === undefined ? undefined : checkCheckpoint(checkpoint, g.logKey, g.witnesses, info.witnesses);
    return {
      ...base,
      role: roles[info.role] ?? "unknown",
      link: { up: true, latencyMs },
      routes: routes.routes.map((r) => ({
        pattern: r.partyPattern,
        kind: routeKinds[r.kind] ?? "unknown",
        target: r.target,
      })),
      parties: parties.parties.map((p) => ({
        party: p.partyId,
        displayName: p.displayName,
        kind: partyKinds[p.kind] ?? "unknown",
      })),
      certificates: info.certificates.map((c) => ({
        subject: c.subjectParty || c.subjectName,
        serial: c.serial,
        notAfter: (c.notAfter ?? new Date(0)).toISOString(),
        daysLeft: days(c.notAfter),
      })),
      crls: info.crls.map((c) => ({
        issuer: c.issuerParty || c.issuerName,
        nextUpdate: (c.nextUpdate ?? new Date(0)).toISOString(),
        daysLeft: days(c.nextUpdate),
        revoked: c.revokedCount,
      })),
      ...(cp === undefined ? {} : { checkpoint: cp }),
    };
  } catch (e) {
    if (!isConsoleError(e)) throw e;
    return {
      ...base,
      role: "unknown",
      link: { up: false, error: e.message },
      routes: [],
      parties: [],
      certificates: [],
      crls: [],
    };
  }
}

export async function federationStatus(
  pool: GatewayPool,
  gateways: readonly string[],
  nowMs: number,
): Promise<FederationView> {
  return {
    gateways: await Promise.all(gateways.map((g) => gatewayStatus(pool, g, nowMs))),
    checkedAt: new Date(nowMs).toISOString(),
  };
}
