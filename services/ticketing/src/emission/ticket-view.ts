import { type Purpose, purposePolicy, RecordKind, Ticket } from "@hutong/proto";
import { TicketingError } from "../ticketing-error.js";

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The fields a delivery for `purpose` may carry: the purpose policy's open fetch of the ticket (a
 * delivery carries no grant, so only what the purpose releases without one). From the contract's
 * generated table; a purpose that opens no fetch of tickets cannot be a delivery's purpose.
 */
export function deliveryFields(purpose: Purpose): readonly string[] {
  const row = (purposePolicy as Readonly<Record<number, (typeof purposePolicy)[keyof typeof purposePolicy]>>)[purpose];
  const rule = row?.records[RecordKind.RECORD_KIND_E_TICKET];
  if (rule === undefined || rule.fetch.access !== "open") {
    throw new TicketingError(
      "invalid-config",
      `purpose ${purpose} releases no ticket field without a grant, so it cannot be the purpose of a delivery`,
    );
  }
  return rule.fields;
}

/**
 * The ticket reduced to `fields` (paths rooted at "ticket", as the contract's views name them);
 * every other field at its default. A path covers everything below it.
 */
export function projectTicket(ticket: Ticket, fields: readonly string[]): Ticket {
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    const [root, ...rest] = path.split(".");
    if (root !== "ticket" || rest.some((s) => s === "")) {
      throw new TicketingError("invalid-config", `"${path}" is not a path of the ticket record`);
    }
    const steps = rest.map(camel);
    if (steps.length === 0) return Ticket.fromPartial(ticket);
    let from: unknown = ticket;
    let to = out;
    for (const [i, step] of steps.entries()) {
      if (from === undefined || from === null || typeof from !== "object") break;
      const value = (from as Record<string, unknown>)[step];
      if (i === steps.length - 1) {
        if (value !== undefined) to[step] = value;
      } else {
        if (value === undefined) break;
        to[step] = (to[step] as Record<string, unknown> | undefined) ?? {};
        to = to[step] as Record<string, unknown>;
      }
      from = value;
    }
  }
  return Ticket.fromPartial(out);
}
