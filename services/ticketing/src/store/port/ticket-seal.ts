import { createSm4AeadKey, sm4Open, sm4Seal } from "@hutong/certs";
import { Ticket } from "@hutong/proto";

/** Tickets at rest: the whole ticket sealed with SM4 and HMAC-SM3, its number as associated data. */
export interface TicketSealer {
  seal(ticket: Ticket): Buffer;
  open(ticketNo: string, sealed: Uint8Array): Ticket;
}

/** The sealer under `key` (32 bytes). */
export function ticketSealer(key: Uint8Array): TicketSealer {
  const k = createSm4AeadKey(key);
  return {
    seal: (t) => Buffer.from(sm4Seal(k, Ticket.encode(t).finish(), Buffer.from(t.ticketNo))),
    open: (ticketNo, sealed) => Ticket.decode(sm4Open(k, sealed, Buffer.from(ticketNo))),
  };
}
