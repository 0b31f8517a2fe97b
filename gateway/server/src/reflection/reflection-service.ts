// gRPC server reflection (https://github.com/grpc/grpc/blob/master/doc/server-reflection.md) on the wire
// server, as grpc.reflection.v1 and v1alpha (grpcurl still asks v1alpha; the two are the same on the wire).
// It serves the descriptor set generated with the contract (@hutong/proto's contractFiles: each file's
// FileDescriptorProto as buf built it, with the symbol and extension indexes), so nothing is parsed at
// run time. Answers follow grpc-go's server: a file comes with its transitive imports, each import sent
// at most once per stream (the requested file itself always), breadth first.
import {
  type ContractFile,
  contractExtensions,
  contractFiles,
  contractSymbols,
  ServerReflectionService as ServerReflectionDefinition,
  ServerReflectionRequest,
  ServerReflectionResponse,
} from "@hutong/proto";
import type { Route, StreamCall } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";

/** What reflection describes: a generated descriptor set and its indexes. */
export interface ReflectionSource {
  /** Every file, imports included. */
  readonly files: readonly ContractFile[];
  /** Fully-qualified symbol -> file name. */
  readonly symbols: ReadonlyMap<string, string>;
  /** Extended message -> extension number -> file name. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<number, string>>;
}

export const contractReflectionSource: ReflectionSource = {
  files: contractFiles,
  symbols: contractSymbols,
  extensions: contractExtensions,
};

export interface ReflectionService {
  /** Route per method path (v1 and v1alpha), to plug into the wire server's resolver. */
  readonly routes: Map<string, Route>;
}

const v1alphaPath = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

type Answer = NonNullable<ServerReflectionResponse["messageResponse"]>;

const notFound = (errorMessage: string): Answer => ({
  $case: "errorResponse",
  value: { errorCode: Status.NOT_FOUND, errorMessage },
});

function bytes(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Checks the source once: every symbol, extension and import names a file of the set. */
function indexFiles(source: ReflectionSource): ReadonlyMap<string, ContractFile> {
  const byName = new Map(source.files.map((f) => [f.name, f]));
  const missing = [
    ...source.files.flatMap((f) => f.dependencies),
    ...source.symbols.values(),
    ...[...source.extensions.values()].flatMap((m) => [...m.values()]),
  ].find((name) => !byName.has(name));
  if (missing !== undefined) throw new Error(`reflection: the descriptor set has no file ${missing}`);
  return byName;
}

export function createReflectionService(source: ReflectionSource = contractReflectionSource): ReflectionService {
  const files = indexFiles(source);
  const services = source.files.flatMap((f) => f.services).map((name) => ({ name }));

  /** The file, then its imports breadth first, skipping imports already sent on this stream. */
  function withImports(name: string | undefined, sent: Set<string>, what: string): Answer {
    const file = name === undefined ? undefined : files.get(name);
    if (file === undefined) return notFound(what);
    const out: Buffer[] = [];
    const queue: ContractFile[] = [file];
    for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
      if (out.length === 0 || !sent.has(current.name)) {
        sent.add(current.name);
        out.push(bytes(current.descriptor));
      }
      for (const dep of current.dependencies) {
        const f = files.get(dep);
        if (f !== undefined && !sent.has(dep)) queue.push(f);
      }
    }
    return { $case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
  }

  function answer(request: ServerReflectionRequest, sent: Set<string>): Answer {
    const which = request.messageRequest;
    switch (which?.$case) {
      case "listServices":
        return { $case: "listServicesResponse", value: { service: services } };
      case "fileByFilename":
        return withImports(which.value, sent, `file not found: ${which.value}`);
      case "fileContainingSymbol":
        return withImports(source.symbols.get(which.value), sent, `symbol not found: ${which.value}`);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = which.value;
        const file = source.extensions.get(containingType)?.get(extensionNumber);
        return withImports(file, sent, `extension not found: ${containingType} ${extensionNumber}`);
      }
      case "allExtensionNumbersOfType": {
        const type = which.value;
        const numbers = source.extensions.get(type);
        if (numbers === undefined && !source.symbols.has(type)) return notFound(`type not found: ${type}`);
        const extensionNumber = [...(numbers?.keys() ?? [])].sort((a, b) => a - b);
        return { $case: "allExtensionNumbersResponse", value: { baseTypeName: type, extensionNumber } };
      }
      default:
        return {
          $case: "errorResponse",
          value: { errorCode: Status.UNIMPLEMENTED, errorMessage: "no reflection request in the message" },
        };
    }
  }

  async function serve(call: StreamCall): Promise<void> {
    const sent = new Set<string>();
    for await (const message of call.messages) {
      let request: ServerReflectionRequest;
      try {
        request = ServerReflectionRequest.decode(message);
      } catch {
        throw new WireError(Status.INTERNAL, "malformed ServerReflectionRequest");
      }
      const response: ServerReflectionResponse = {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answer(request, sent),
      };
      call.send(bytes(ServerReflectionResponse.encode(response).finish()));
    }
  }

  const route: Route = { kind: "stream", handler: serve };
  return {
    routes: new Map([
      [ServerReflectionDefinition.serverReflectionInfo.path, route],
      [v1alphaPath, route],
    ]),
  };
}
