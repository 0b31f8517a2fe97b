import * as contract from "@hutong/proto";

/** A unary method of the contract, with the JSON codecs ts-proto generated for its messages. */
export interface ContractMethod {
  readonly path: string;
  /** Fully-qualified name of the request message, e.g. "hutong.v1.VerifyTicketRequest". */
  readonly requestType: string;
  readonly request: contract.MessageFns<unknown>;
  readonly response: contract.MessageFns<unknown>;
}

function messageFns(fullName: string): contract.MessageFns<unknown> {
  const name = fullName.slice(fullName.lastIndexOf(".") + 1);
  const fns = (contract as unknown as Record<string, contract.MessageFns<unknown> | undefined>)[name];
  if (fns === undefined) throw new Error(`@hutong/proto exports no message ${name}`);
  return fns;
}

/**
 * Every callable method, by its full name "hutong.v1.TicketService/VerifyTicket": the unary methods
 * of every service of the contract (contractServices, so a new service is callable without an edit
 * here) but the session handshake, which the client runs itself. Streams (AuditService.ExportEntries)
 * have their own commands.
 */
export const contractMethods: ReadonlyMap<string, ContractMethod> = new Map(
  contract.contractServices
    .filter((service) => service.name !== "hutong.v1.SessionService")
    .flatMap((service) =>
      service.methods
        .filter((m) => !m.clientStreaming && !m.serverStreaming)
        .map((m): [string, ContractMethod] => [
          m.path.slice(1),
          {
            path: m.path,
            requestType: m.requestType,
            request: messageFns(m.requestType),
            response: messageFns(m.responseType),
          },
        ]),
    ),
);

/** Accepts "hutong.v1.TicketService/VerifyTicket", a leading "/", or "TicketService.VerifyTicket". */
export function findContractMethod(name: string): ContractMethod | undefined {
  const normal = name.replace(/^\//, "").replace(/^(?!hutong\.v1\.)/, "hutong.v1.");
  const slashed = normal.includes("/") ? normal : normal.replace(/\.([A-Za-z]+)$/, "/$1");
  return contractMethods.get(slashed);
}
