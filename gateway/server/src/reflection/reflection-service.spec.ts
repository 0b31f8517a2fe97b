// Reflection on a real wire server, asked by grpc-js's generated reflection client the way grpcurl asks: list
// the services, fetch the file of a symbol, then fetch missing imports by name until everything links.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, createFileRegistry, fromBinary, getExtension, hasExtension } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { credentials, Metadata as GrpcMetadata } from "@grpc/grpc-js";
import {
  contractFiles,
  ServerReflectionClient,
  ServerReflectionRequest,
  ServerReflectionResponse,
} from "@hutong/proto";
import { createWireServer, type Route, type WireServer } from "@hutong/wire";
import { grpcClient } from "@hutong/wire/testing";
import { createHealthService } from "../health/health-service.js";
import { createReflectionService } from "./reflection-service.js";

type Case = NonNullable<ServerReflectionRequest["messageRequest"]>;

/** One bidi stream; ask() sends a request and waits for its answer. */
function session(client: ServerReflectionClient) {
  const call = client.serverReflectionInfo();
  const waiting: ((r: ServerReflectionResponse) => void)[] = [];
  call.on("data", (r: ServerReflectionResponse) => waiting.shift()?.(r));
  call.on("error", () => {});
  return {
    ask(messageRequest: Case): Promise<ServerReflectionResponse> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        call.write({ host: "", messageRequest });
      });
    },
    end: () => call.end(),
  };
}

/** Dependencies before dependents, as a FileDescriptorSet must list them. */
function topological(byName: Map<string, FileDescriptorProto>): FileDescriptorProto[] {
  const out: FileDescriptorProto[] = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    const file = byName.get(name);
    if (file === undefined || done.has(name)) return;
    done.add(name);
    for (const dep of file.dependency) visit(dep);
    out.push(file);
  };
  for (const name of byName.keys()) visit(name);
  return out;
}

function filesOf(r: ServerReflectionResponse): FileDescriptorProto[] {
  assert.equal(r.messageResponse?.$case, "fileDescriptorResponse", JSON.stringify(r.messageResponse));
  const value = r.messageResponse?.$case === "fileDescriptorResponse" ? r.messageResponse.value : undefined;
  return (value?.fileDescriptorProto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b));
}

describe("reflection service", () => {
  let server: WireServer;
  let client: ServerReflectionClient;
  let address = "";

  before(async () => {
    const routes = new Map<string, Route>([...createHealthService().routes, ...createReflectionService().routes]);
    server = createWireServer({ resolve: (path) => routes.get(path) });
    const { port } = await server.listen("127.0.0.1", 0);
    address = `127.0.0.1:${port}`;
    client = new ServerReflectionClient(address, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close(100);
  });

  it("lists the hutong.v1 services, health and reflection itself", async () => {
    const s = session(client);
    const r = await s.ask({ $case: "listServices", value: "*" });
    s.end();
    assert.equal(r.messageResponse?.$case, "listServicesResponse");
    const names =
      r.messageResponse?.$case === "listServicesResponse" ? r.messageResponse.value.service.map((x) => x.name) : [];
    for (const name of [
      "hutong.v1.TicketService",
      "hutong.v1.LicenceService",
      "hutong.v1.InvoiceService",
      "hutong.v1.SessionService",
      "hutong.v1.RegistryService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    }
    assert.deepEqual(r.originalRequest?.messageRequest, { $case: "listServices", value: "*" });
  });

  it("resolves file_containing_symbol for TicketService into files that link, fetching imports by name", async () => {
    const s = session(client);
    const first = filesOf(await s.ask({ $case: "fileContainingSymbol", value: "hutong.v1.TicketService" }));
    assert.equal(first[0]?.name, "hutong/v1/ticket_service.proto");
    assert.equal(first[0]?.package, "hutong.v1");
    assert.deepEqual(
      first[0]?.service.map((x) => x.name),
      ["TicketService"],
    );
    // Like grpcurl: ask by name for any import not received yet.
    const byName = new Map(first.map((f) => [f.name, f]));
    for (
      let missing = [...byName.values()].flatMap((f) => f.dependency).filter((d) => !byName.has(d));
      missing.length > 0;
    ) {
      const name = missing.pop() as string;
      if (byName.has(name)) continue;
      for (const f of filesOf(await s.ask({ $case: "fileByFilename", value: name }))) {
        byName.set(f.name, f);
        missing.push(...f.dependency.filter((d) => !byName.has(d)));
      }
    }
    s.end();
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: topological(byName) }));
    const service = registry.getService("hutong.v1.TicketService");
    assert.deepEqual(
      service?.methods.map((m) => `${m.name}(${m.input.typeName}) ${m.output.typeName}`),
      [
        "GetTicket(hutong.v1.GetTicketRequest) hutong.v1.GetTicketResponse",
        "VerifyTicket(hutong.v1.VerifyTicketRequest) hutong.v1.VerifyTicketResponse",
      ],
    );
    const depart = registry.getMessage("hutong.v1.VerifyTicketResponse")?.fields.find((f) => f.name === "depart_time");
    assert.equal(depart?.message?.typeName, "google.protobuf.Timestamp");
  });

  it("answers an unknown symbol with a NOT_FOUND error response, and keeps the stream open", async () => {
    const s = session(client);
    const r = await s.ask({ $case: "fileContainingSymbol", value: "no.such.Thing" });
    assert.equal(r.messageResponse?.$case, "errorResponse");
    assert.equal(r.messageResponse?.$case === "errorResponse" ? r.messageResponse.value.errorCode : -1, 5);
    const again = await s.ask({ $case: "fileByFilename", value: "grpc/health/v1/health.proto" });
    s.end();
    assert.equal(filesOf(again)[0]?.name, "grpc/health/v1/health.proto");
  });

  it("serves v1alpha on its own path with the same messages", async () => {
    const raw = grpcClient(address);
    const call = raw.makeBidiStreamRequest(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
    );
    const reply = new Promise<Buffer>((resolve) => call.once("data", resolve));
    call.write(
      Buffer.from(
        ServerReflectionRequest.encode({ host: "", messageRequest: { $case: "listServices", value: "" } }).finish(),
      ),
    );
    const r = ServerReflectionResponse.decode(await reply);
    call.end();
    raw.close();
    assert.equal(r.messageResponse?.$case, "listServicesResponse");
  });

  it("describes every listed service, grpcurl-style, down to method types that link", async () => {
    const s = session(client);
    const listed = await s.ask({ $case: "listServices", value: "*" });
    const names =
      listed.messageResponse?.$case === "listServicesResponse"
        ? listed.messageResponse.value.service.map((x) => x.name)
        : [];
    const byName = new Map<string, FileDescriptorProto>();
    for (const name of names) {
      for (const f of filesOf(await s.ask({ $case: "fileContainingSymbol", value: name }))) byName.set(f.name, f);
    }
    s.end();
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: topological(byName) }));
    assert.equal(names.length, 17, names.join(", "));
    for (const name of names) {
      const service = registry.getService(name);
      assert.ok(service !== undefined && service.methods.length > 0, name);
    }
  });

  it("sends a file's imports once per stream, the asked-for file always", async () => {
    const s = session(client);
    const first = filesOf(await s.ask({ $case: "fileByFilename", value: "hutong/v1/licence_service.proto" }));
    assert.deepEqual(first.map((f) => f.name).sort(), [
      "google/protobuf/descriptor.proto",
      "google/protobuf/timestamp.proto",
      "hutong/v1/common.proto",
      "hutong/v1/licence.proto",
      "hutong/v1/licence_service.proto",
      "hutong/v1/options.proto",
    ]);
    assert.equal(first[0]?.name, "hutong/v1/licence_service.proto");
    const again = filesOf(await s.ask({ $case: "fileContainingSymbol", value: "hutong.v1.Licence" }));
    s.end();
    assert.deepEqual(
      again.map((f) => f.name),
      ["hutong/v1/licence.proto"],
    );
  });

  it("finds methods, fields, nested types and enum values by their full names", async () => {
    const s = session(client);
    const fileOf = async (symbol: string) =>
      filesOf(await s.ask({ $case: "fileContainingSymbol", value: symbol }))[0]?.name;
    assert.equal(await fileOf("hutong.v1.TicketService.GetTicket"), "hutong/v1/ticket_service.proto");
    assert.equal(await fileOf("hutong.v1.LicenceLookup.licence_id"), "hutong/v1/licence_service.proto");
    assert.equal(await fileOf("hutong.v1.LicenceLookup.key"), "hutong/v1/licence_service.proto");
    assert.equal(await fileOf("grpc.health.v1.HealthCheckResponse.ServingStatus"), "grpc/health/v1/health.proto");
    // Enum values are scoped beside their enum, as protobuf scopes them.
    assert.equal(await fileOf("hutong.v1.PURPOSE_EMERGENCY"), "hutong/v1/common.proto");
    assert.equal(await fileOf("google.protobuf.Timestamp"), "google/protobuf/timestamp.proto");
    s.end();
  });

  it("answers extension queries from the generated index", async () => {
    const s = session(client);
    const numbers = await s.ask({ $case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" });
    assert.deepEqual(numbers.messageResponse, {
      $case: "allExtensionNumbersResponse",
      value: { baseTypeName: "google.protobuf.MethodOptions", extensionNumber: [50003] },
    });
    const none = await s.ask({ $case: "allExtensionNumbersOfType", value: "hutong.v1.Ticket" });
    assert.deepEqual(none.messageResponse, {
      $case: "allExtensionNumbersResponse",
      value: { baseTypeName: "hutong.v1.Ticket", extensionNumber: [] },
    });
    const file = await s.ask({
      $case: "fileContainingExtension",
      value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 50001 },
    });
    assert.equal(filesOf(file)[0]?.name, "hutong/v1/options.proto");
    for (const missing of [
      {
        $case: "fileContainingExtension",
        value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 7 },
      },
      { $case: "allExtensionNumbersOfType", value: "no.such.Type" },
      { $case: "fileByFilename", value: "hutong/v1/nope.proto" },
    ] as const) {
      const r = await s.ask(missing);
      assert.equal(r.messageResponse?.$case, "errorResponse", missing.$case);
      assert.equal(r.messageResponse?.$case === "errorResponse" ? r.messageResponse.value.errorCode : -1, 5);
    }
    s.end();
  });

  it("serves the contract's options with the descriptors, so clients can read them", async () => {
    const s = session(client);
    const byName = new Map<string, FileDescriptorProto>();
    for (const f of filesOf(await s.ask({ $case: "fileContainingSymbol", value: "hutong.v1.TicketService" }))) {
      byName.set(f.name, f);
    }
    s.end();
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: topological(byName) }));
    const share = registry.getExtension("hutong.v1.share");
    const method = registry.getService("hutong.v1.TicketService")?.methods.find((m) => m.name === "GetTicket");
    assert.ok(share !== undefined && method !== undefined);
    const options = method.proto.options;
    assert.ok(options !== undefined && hasExtension(options, share));
    const rule = getExtension(options, share) as { record?: string };
    assert.equal(rule.record, "ticket");
  });
});

describe("file descriptors", () => {
  const all = new Map(contractFiles.map((f) => [f.name, f.descriptor]));
  const decoded = [...all.values()].map((b) => fromBinary(FileDescriptorProtoSchema, b));

  it("describes each file on its own, dependencies first, and the whole set links", () => {
    const names = [...all.keys()];
    assert.ok(names.indexOf("hutong/v1/common.proto") < names.indexOf("hutong/v1/ticket_service.proto"));
    assert.ok(names.includes("google/protobuf/timestamp.proto"));
    assert.ok(names.includes("google/protobuf/descriptor.proto"));
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: decoded }));
    assert.equal(registry.getFile("google/protobuf/descriptor.proto")?.edition, 998 /* proto2 */);
    assert.equal(registry.getExtension("hutong.v1.personal")?.extendee.typeName, "google.protobuf.FieldOptions");
    const statuses = registry.getMessage("grpc.health.v1.HealthListResponse")?.fields[0];
    assert.equal(statuses?.fieldKind, "map");
    assert.equal(statuses?.fieldKind === "map" ? statuses.message?.typeName : "", "grpc.health.v1.HealthCheckResponse");
    const lookup = registry.getMessage("hutong.v1.LicenceLookup");
    assert.deepEqual(
      lookup?.oneofs.map((o) => o.name),
      ["key"],
    );
  });

  it("keeps extension fields out of the message they extend", () => {
    const descriptorFile = decoded.find((f) => f.name === "google/protobuf/descriptor.proto");
    const fieldOptions = descriptorFile?.messageType.find((m) => m.name === "FieldOptions");
    assert.ok(fieldOptions !== undefined);
    assert.ok(fieldOptions.field.every((f) => !f.name.includes(".")));
  });
});
