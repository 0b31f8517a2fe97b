import { atRestSealer } from "@hutong/service-kit";
import type { BlueRequest, RedConfirmationRequest } from "../protocol/tax-api.js";

// What one outbox message asks of the channel. It holds the traveller's name and ID number (the
// passenger-transport invoice needs them), so it is sealed at rest in the gateway's outbox: SM4
// with HMAC-SM3 under the connector's key, bound to the message's serial.

export type TaxInstruction =
  | { readonly t: "blue"; readonly request: BlueRequest }
  | {
      readonly t: "red";
      /** The red invoice's serial (fpqqlsh) and its slip's (hzqrdsqlsh). */
      readonly fpqqlsh: string;
      readonly slipSerial: string;
      /** The sellers the requesting party may reverse for: the blue invoice's must be one. */
      readonly sellers: readonly string[];
      /** The blue invoice: by the serial it was requested under here, or by its number. */
      readonly blue: { readonly serial: string } | { readonly fphm: string };
      /** 冲红原因 code, "01".."04". */
      readonly chyyDm: string;
      /** Unset: reverse all that is left of the blue invoice. */
      readonly amount?: { readonly hzcxje: string; readonly hzcxse: string };
      readonly lines: RedConfirmationRequest["hzqrdmxList"];
    };

export interface InstructionSealer {
  seal(instruction: TaxInstruction, serial: string): Uint8Array;
  open(payload: Uint8Array, serial: string): TaxInstruction;
}

export function instructionSealer(key: Uint8Array): InstructionSealer {
  const sealer = atRestSealer(key);
  const label = (serial: string) => `tax-instruction ${serial}`;
  return {
    seal: (instruction, serial) => sealer.seal(Buffer.from(JSON.stringify(instruction), "utf8"), label(serial)),
    open: (payload, serial) =>
      JSON.parse(Buffer.from(sealer.open(payload, label(serial))).toString("utf8")) as TaxInstruction,
  };
}
