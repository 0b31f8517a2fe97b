// Test helpers: real grpc-js servers and clients speaking raw bytes, to hold the wire layer to what grpc-js does.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client,
  type ClientUnaryCall,
  credentials,
  type CallOptions as GrpcCallOptions,
  Metadata as GrpcMetadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
  type StatusObject,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

const identity = (b: Buffer): Buffer => b;

/** A grpc-js method definition that leaves messages as bytes. */
export function rawMethod(path: string, kind: "unary" | "bidi" | "server-stream" = "unary") {
  return {
    path,
    requestStream: kind === "bidi",
    responseStream: kind !== "unary",
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export interface RunningGrpcServer {
  readonly server: Server;
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

/** A grpc-js server on 127.0.0.1 (port 0 = any) with raw-bytes services. */
export async function startGrpcServer(
  services: ReadonlyArray<[ServiceDefinition, UntypedServiceImplementation]>,
  port = 0,
  options: Record<string, unknown> = {},
): Promise<RunningGrpcServer> {
  const server = new Server(options);
  for (const [definition, implementation] of services) server.addService(definition, implementation);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    );
  });
  return {
    server,
    port: bound,
    address: `127.0.0.1:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

export function grpcClient(address: string): Client {
  return new Client(address, credentials.createInsecure());
}

export interface RawOutcome {
  readonly error: ServiceError | null;
  readonly body: Buffer | undefined;
  readonly status: StatusObject;
  readonly headers: GrpcMetadata | undefined;
}

/** One unary call of raw bytes through grpc-js; resolves with error and status rather than throwing. */
export function rawUnary(
  client: Client,
  path: string,
  body: Buffer,
  metadata: Record<string, string> = {},
  options: GrpcCallOptions = {},
  onCall?: (call: ClientUnaryCall) => void,
): Promise<RawOutcome> {
  const md = new GrpcMetadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    let error: ServiceError | null = null;
    let response: Buffer | undefined;
    let headers: GrpcMetadata | undefined;
    let done = 0;
    let status: StatusObject | undefined;
    const finish = () => {
      if (++done === 2 && status !== undefined) resolve({ error, body: response, status, headers });
    };
    const call = client.makeUnaryRequest(path, identity, identity, body, md, options, (e, r) => {
      error = e;
      response = r;
      finish();
    });
    call.on("metadata", (m: GrpcMetadata) => {
      headers = m;
    });
    call.on("status", (s: StatusObject) => {
      status = s;
      finish();
    });
    onCall?.(call);
  });
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`, naming `what` it waited for. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A throwaway P-256 certificate for localhost and 127.0.0.1, made with the openssl CLI. */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "hutong-wire-tls-"));
  try {
    const r = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { cwd: dir, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
