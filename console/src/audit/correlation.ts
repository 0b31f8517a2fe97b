import type { CorrelationView } from "../api/api-types.js";
import { ConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";
import { searchAudit } from "./audit-search.js";
import { matchSides } from "./match-sides.js";

const correlationIdShape = /^[\x21-\x7e]{1,128}$/;

/** Every entry for one correlation id on the gateways in scope, oldest hop first, and their comparison. */
export async function correlate(
  pool: GatewayPool,
  username: string,
  gateways: readonly string[],
  correlationId: string,
): Promise<CorrelationView> {
  if (!correlationIdShape.test(correlationId)) throw new ConsoleError("invalid-argument", "not a correlation id");
  const found = await searchAudit({ pool, username, gateways }, { correlationId, limit: 100 });
  if (found.unavailable.length > 0 && found.entries.length === 0) {
    throw new ConsoleError("unavailable", found.unavailable.map((u) => u.error).join("; "));
  }
  const order = (party: string) => gateways.indexOf(party);
  const entries = [...found.entries].sort(
    (a, b) => a.time.localeCompare(b.time) || order(a.gateway) - order(b.gateway),
  );
  const match = matchSides(entries);
  const unreachable = found.unavailable.map((u) => `gateway-unavailable:${u.gateway}`);
  return {
    correlationId,
    entries,
    match: { consistent: match.consistent && unreachable.length === 0, problems: [...match.problems, ...unreachable] },
  };
}
