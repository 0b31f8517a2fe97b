import * as contract from "@hutong/proto";

/** A unary method of the contract, with the JSON codecs ts-proto generated for its messages. */
export interface ContractMethod {
  readonly path: string;
  /** Fully-qualified name of the request message, e.g. "hutong.v1.VerifyTicketRequest". */
  readonly requestType: string;
  readonly request: contract.MessageFns<unknown>;
  readonly response: contract.MessageFns<unknown>;
}

const services = [
  contract.TicketServiceService,
  contract.LicenceServiceService,
  contract.InvoiceServiceService,
  contract.RegistryServiceService,
  contract.GrantServiceService,
  contract.AuditServiceService,
] as const;

function requestType(path: string): string {
  const name = contract.methodRequestTypes.get(path);
  if (name === undefined) throw new Error(`@hutong/proto has no request type for ${path}`);
  return name;
}

function messageFns(name: string): contract.MessageFns<unknown> {
  const fns = (contract as unknown as Record<string, contract.MessageFns<unknown> | undefined>)[name];
  // buf's STANDARD lint (RPC_REQUEST_STANDARD_NAME) guarantees Method -> MethodRequest/MethodResponse.
  if (fns === undefined) throw new Error(`@hutong/proto exports no message ${name}`);
  return fns;
}

/** Every callable method, by its full name "hutong.v1.TicketService/VerifyTicket". */
export const contractMethods: ReadonlyMap<string, ContractMethod> = new Map(
  services.flatMap((service) =>
    // Unary only: streams (AuditService.ExportEntries) have their own commands.
    Object.values(service)
      .filter((def) => !def.responseStream && !def.requestStream)
      .map((def): [string, ContractMethod] => {
        const method = def.path.split("/")[2] ?? "";
        return [
          def.path.slice(1),
          {
            path: def.path,
            requestType: requestType(def.path),
            request: messageFns(`${method}Request`),
            response: messageFns(`${method}Response`),
          },
        ];
      }),
  ),
);

/** Accepts "hutong.v1.TicketService/VerifyTicket", a leading "/", or "TicketService.VerifyTicket". */
export function findContractMethod(name: string): ContractMethod | undefined {
  const normal = name.replace(/^\//, "").replace(/^(?!hutong\.v1\.)/, "hutong.v1.");
  const slashed = normal.includes("/") ? normal : normal.replace(/\.([A-Za-z]+)$/, "/$1");
  return contractMethods.get(slashed);
}
