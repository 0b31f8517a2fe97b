import { isValidPartyId } from "@hutong/certs";
import {
  type GatewayRole,
  GetGatewayInfoRequest,
  GetGatewayInfoResponse,
  ListPartiesRequest,
  ListPartiesResponse,
  ListRoutesRequest,
  ListRoutesResponse,
  PartyKind,
  RegistryServiceService,
  RouteKind,
} from "@hutong/proto";
import { GatewayError } from "../gateway-error.js";
import type { RouteTable, RouteTarget } from "../routing/route-table.js";
import { decodeRequest, encodeMessage } from "./message-codec.js";
import { type OperationalFacts, operationalFields } from "./operational-facts.js";

export interface RegistryFacts {
  readonly party: string;
  readonly role: GatewayRole;
  readonly version: string;
  readonly services: readonly string[];
  readonly startedAt: Date;
  readonly routes: () => RouteTable;
  /**
   * Read at each GetGatewayInfo, so a reload (new CRLs) or a new checkpoint shows in the next
   * answer; absent, the operational fields stay empty.
   */
  readonly operations?: () => Promise<OperationalFacts>;
}

/** One RegistryService method: the request bytes (already authenticated) in, the response bytes out. */
export type RegistryHandler = (body: Buffer) => Buffer | Promise<Buffer>;

/**
 * RegistryService, answered by the gateway itself. Callers must hold a
 * session (the server wraps these with the call verifier); the answers name
 * parties, route kinds and public operational facts, never backend addresses.
 */
export function createRegistryEndpoint(facts: RegistryFacts): ReadonlyMap<string, RegistryHandler> {
  return new Map<string, RegistryHandler>([
    [
      RegistryServiceService.getGatewayInfo.path,
      async (body) => {
        decodeRequest(GetGatewayInfoRequest, body, "GetGatewayInfoRequest");
        const operations = facts.operations === undefined ? undefined : await facts.operations();
        return encodeMessage(GetGatewayInfoResponse, {
          partyId: facts.party,
          role: facts.role,
          version: facts.version,
          apiPackage: "hutong.v1",
          services: [...facts.services],
          startedAt: facts.startedAt,
          ...(operations === undefined
            ? { certificates: [], crls: [], auditLog: undefined, witnesses: [] }
            : operationalFields(operations)),
        });
      },
    ],
    [
      RegistryServiceService.listRoutes.path,
      (body) => {
        decodeRequest(ListRoutesRequest, body, "ListRoutesRequest");
        return encodeMessage(ListRoutesResponse, {
          routes: facts.routes().entries.map((e) => ({ partyPattern: e.match, ...routeKindOf(e.target) })),
        });
      },
    ],
    [
      RegistryServiceService.listParties.path,
      (body) => {
        const req = decodeRequest(ListPartiesRequest, body, "ListPartiesRequest");
        // The parties this gateway routes to by name (exact route matches), sorted; patterns
        // such as "*" are routes, not parties. The page token is the next index.
        const parties = [...new Set(facts.routes().entries.map((e) => e.match))]
          .filter((m) => isValidPartyId(m))
          .sort();
        const start = req.pageToken === "" ? 0 : Number.parseInt(req.pageToken, 10);
        if (!Number.isSafeInteger(start) || start < 0 || String(start) !== (req.pageToken || "0")) {
          throw new GatewayError("bad-request-context", "page_token is not one this gateway issued");
        }
        const size = req.pageSize === 0 ? 100 : Math.min(req.pageSize, 1000);
        const page = parties.slice(start, start + size);
        return encodeMessage(ListPartiesResponse, {
          parties: page.map((partyId) => ({
            partyId,
            displayName: "",
            kind: partyKind(partyId),
            certificateSerials: [],
          })),
          nextPageToken: start + size < parties.length ? String(start + size) : "",
        });
      },
    ],
  ]);
}

function partyKind(party: string): PartyKind {
  if (party.startsWith("prov:")) return PartyKind.PARTY_KIND_PROVINCE;
  if (party === "mot" || party.startsWith("mot/")) return PartyKind.PARTY_KIND_MINISTRY;
  return PartyKind.PARTY_KIND_PARTNER;
}

/** How ListRoutes shows a target: a backend's address stays inside the member; a connector by its name. */
function routeKindOf(target: RouteTarget): { kind: RouteKind; target: string } {
  if (target.kind === "local") return { kind: RouteKind.ROUTE_KIND_LOCAL_BACKEND, target: "local backend" };
  if (target.kind === "connector") return { kind: RouteKind.ROUTE_KIND_CONNECTOR, target: target.connector };
  return { kind: RouteKind.ROUTE_KIND_PEER_GATEWAY, target: target.peerParty };
}
