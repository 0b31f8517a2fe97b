// gRPC server reflection (https://github.com/grpc/grpc/blob/master/doc/server-reflection.md) on the wire
// server, as grpc.reflection.v1 and v1alpha (grpcurl still asks v1alpha; the two are the same on the wire).
// The answers come from @grpc/reflection's own logic (ReflectionV1Implementation, a pure function of the
// descriptors); this file only frames it: ts-proto (de)coding of the vendored reflection.proto, and real
// per-file descriptors from file-descriptors.ts in place of proto-loader's merged ones.
import type { PackageDefinition } from "@grpc/proto-loader";
import type { ServerReflectionRequest as LibRequest } from "@grpc/reflection/build/src/generated/grpc/reflection/v1/ServerReflectionRequest.js";
import type { ServerReflectionResponse as LibResponse } from "@grpc/reflection/build/src/generated/grpc/reflection/v1/ServerReflectionResponse.js";
import { ReflectionV1Implementation } from "@grpc/reflection/build/src/implementations/reflection-v1.js";
import {
  ServerReflectionService as ServerReflectionDefinition,
  ServerReflectionRequest,
  ServerReflectionResponse,
} from "@hutong/proto";
import type { Route, StreamCall } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";
import { loadFileDescriptors } from "./file-descriptors.js";

/** The .proto sources a gateway reflects: its services (the contract) and the standard health service. */
export const gatewayProtoFiles: readonly string[] = Object.freeze([
  "hutong/v1/session.proto",
  "hutong/v1/ticket_service.proto",
  "hutong/v1/licence_service.proto",
  "hutong/v1/invoice_service.proto",
  "hutong/v1/admin.proto",
  "hutong/v1/grant_service.proto",
  "hutong/v1/audit.proto",
  "grpc/health/v1/health.proto",
]);

export interface ReflectionServiceOptions {
  /** The directory imports are relative to, e.g. the repository's proto/. */
  readonly protoRoot: string;
  /** The .proto files whose services are exposed, e.g. ["hutong/v1/ticket_service.proto", ...]. */
  readonly files: readonly string[];
}

export interface ReflectionService {
  /** Route per method path (v1 and v1alpha), to plug into the wire server's resolver. */
  readonly routes: Map<string, Route>;
}

/** The reflection service describes itself too, as grpc-go and grpc-java do. */
const reflectionProto = "grpc/reflection/v1/reflection.proto";
const v1alphaPath = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

function bytes(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** ts-proto's oneof union to the library's proto-loader shape ({ messageRequest: "<case>", <case>: value }). */
function toLibRequest(request: ServerReflectionRequest): LibRequest {
  const which = request.messageRequest;
  const out: LibRequest = { host: request.host };
  if (which === undefined) return out;
  return { ...out, messageRequest: which.$case, [which.$case]: which.value };
}

function toWireResponse(request: ServerReflectionRequest, r: LibResponse): ServerReflectionResponse {
  const base = { validHost: r.validHost ?? request.host, originalRequest: request };
  if (r.fileDescriptorResponse) {
    const files = (r.fileDescriptorResponse.fileDescriptorProto ?? []) as Uint8Array[];
    return {
      ...base,
      messageResponse: { $case: "fileDescriptorResponse", value: { fileDescriptorProto: files.map(bytes) } },
    };
  }
  if (r.listServicesResponse) {
    const service = (r.listServicesResponse.service ?? []).map((s) => ({ name: s.name ?? "" }));
    return { ...base, messageResponse: { $case: "listServicesResponse", value: { service } } };
  }
  if (r.allExtensionNumbersResponse) {
    const value = {
      baseTypeName: r.allExtensionNumbersResponse.baseTypeName ?? "",
      extensionNumber: r.allExtensionNumbersResponse.extensionNumber ?? [],
    };
    return { ...base, messageResponse: { $case: "allExtensionNumbersResponse", value } };
  }
  const error = r.errorResponse;
  return {
    ...base,
    messageResponse: {
      $case: "errorResponse",
      value: { errorCode: error?.errorCode ?? Status.UNKNOWN, errorMessage: error?.errorMessage ?? "" },
    },
  };
}

/** Parses the protos once, at construction; a missing file or unresolved type throws here, not per call. */
export function createReflectionService(options: ReflectionServiceOptions): ReflectionService {
  const files = [...new Set([...options.files, reflectionProto])];
  const descriptors = loadFileDescriptors(options.protoRoot, files);
  // The library reads only `fileDescriptorProtos` of each entry of a proto-loader package definition.
  const definition = {
    files: {
      format: "Protocol Buffer 3 FileDescriptorProto",
      type: {},
      fileDescriptorProtos: [...descriptors.values()],
    },
  } as unknown as PackageDefinition;
  const implementation = new ReflectionV1Implementation(definition);

  async function serve(call: StreamCall): Promise<void> {
    for await (const message of call.messages) {
      let request: ServerReflectionRequest;
      try {
        request = ServerReflectionRequest.decode(message);
      } catch {
        throw new WireError(Status.INTERNAL, "malformed ServerReflectionRequest");
      }
      const response = implementation.handleServerReflectionRequest(toLibRequest(request));
      call.send(bytes(ServerReflectionResponse.encode(toWireResponse(request, response)).finish()));
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
