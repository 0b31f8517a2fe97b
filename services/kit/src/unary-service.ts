import * as grpc from "@grpc/grpc-js";

// One place where a reference service's handlers meet grpc-js: requests that are not the message
// they claim to be get INVALID_ARGUMENT (grpc-js would answer INTERNAL), the service's own coded
// errors their status from its catalogue (docs/errors.md), anything else INTERNAL with nothing of
// it shown.

/** The routing facts the gateway adds to every call it forwards (docs/gateway.md). */
export interface CallFacts {
  /** The calling system's party (`hutong-origin`); empty when the caller did not come through a gateway. */
  readonly origin: string;
  readonly purpose: string;
  readonly metadata: grpc.Metadata;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed by the generated definition at the call site
export type UnaryHandler = (request: any, facts: CallFacts) => unknown;

const malformed = Symbol("malformed request");

const first = (metadata: grpc.Metadata, key: string): string => {
  const v = metadata.get(key)[0];
  return typeof v === "string" ? v : "";
};

export interface ServiceLog {
  error(message: string, cause: unknown): void;
}

/** A refusal the service means: the gRPC status name (docs/errors.md) and the words the caller reads. */
export interface ServiceRefusal {
  readonly status: keyof typeof grpc.status;
  readonly details: string;
}

/** The service's error catalogue: its refusal for an error of its own, undefined for anything else. */
export type RefusalOf = (e: unknown) => ServiceRefusal | undefined;

/** Adds `definition` (a ts-proto grpc-js service) to `server` with `handlers` by method key. */
export function addUnaryService(
  server: grpc.Server,
  // biome-ignore lint/suspicious/noExplicitAny: any generated definition; its types meet the handlers at the call site
  definition: Readonly<Record<string, grpc.MethodDefinition<any, any>>>,
  handlers: Readonly<Record<string, UnaryHandler>>,
  log: ServiceLog,
  refusalOf: RefusalOf,
): void {
  const safe: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition)) {
    const handler = handlers[key];
    if (handler === undefined) throw new Error(`no handler for ${method.path}`);
    safe[key] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return malformed;
        }
      },
    };
    implementation[key] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      if (call.request === malformed) {
        callback({
          code: grpc.status.INVALID_ARGUMENT,
          details: `malformed: the request is not a ${method.path} request`,
        });
        return;
      }
      const facts: CallFacts = {
        origin: first(call.metadata, "hutong-origin"),
        purpose: first(call.metadata, "hutong-purpose"),
        metadata: call.metadata,
      };
      Promise.resolve()
        .then(() => handler(call.request, facts))
        .then(
          (response) => callback(null, response),
          (e: unknown) => {
            const refusal = refusalOf(e);
            if (refusal !== undefined) {
              callback({ code: grpc.status[refusal.status], details: refusal.details });
              return;
            }
            log.error(`${method.path} failed`, e);
            callback({ code: grpc.status.INTERNAL, details: "internal error" });
          },
        );
    };
  }
  server.addService(safe, implementation);
}

/** Binds `server` on loopback (port 0: any) and resolves with "127.0.0.1:<port>". */
export function listen(server: grpc.Server, port = 0, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (e, bound) =>
      e === null ? resolve(`${host}:${bound}`) : reject(e),
    );
  });
}
