import { sm3 } from "@hutong/certs";
import { type Purpose, ReportTicketStatisticsRequest, type RouteProfile, type StationProfile } from "@hutong/proto";

/**
 * The province's registry (stations and routes) as a statistics report, keyed by its content: the
 * same registry is sent once, a changed one replaces it at the ministry.
 */
export function registryReport(
  party: string,
  destination: string,
  purpose: Purpose,
  stations: readonly StationProfile[],
  routes: readonly RouteProfile[],
): { readonly key: string; readonly payload: Uint8Array } {
  const body = ReportTicketStatisticsRequest.encode({
    context: undefined,
    province: party,
    events: [],
    stations: [...stations],
    routes: [...routes],
    registryKey: "",
  }).finish();
  const key = `${party}#registry#${Buffer.from(sm3(body)).toString("hex").slice(0, 32)}`;
  const payload = ReportTicketStatisticsRequest.encode({
    context: { targetParty: destination, purpose, grantId: "", correlationId: key },
    province: party,
    events: [],
    stations: [...stations],
    routes: [...routes],
    registryKey: key,
  }).finish();
  return { key, payload };
}
