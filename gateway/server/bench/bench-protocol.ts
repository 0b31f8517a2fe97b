// What the benchmark's parent and its child processes pass each other: one JSON argument in
// (process.argv[2]), JSON lines out on stdout. Kept apart from the children's entry files so the
// parent can import the types without running a child.

/** Where the load generator's client identity lives (dev PKI files, PEM). */
export interface ClientIdentityFiles {
  readonly chain: string;
  readonly key: string;
  readonly anchors: readonly string[];
  readonly crls: readonly string[];
}

export interface LoadGeneratorArgs {
  /** "baseline": the grpc-js forwarder (no MAC on the response, so none is checked); "hutong": the gateway. */
  readonly mode: "baseline" | "hutong";
  /** host:port the load goes to. */
  readonly target: string;
  /** host:port of the hutong gateway, where the session is established (in both modes). */
  readonly gateway: string;
  readonly gatewayParty: string;
  readonly identity: ClientIdentityFiles;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Streams in flight at once, spread over `connections` HTTP/2 connections. */
  readonly concurrency: number;
  readonly connections: number;
  /** The session's protection (the gateway allows plaintext for the generator when asked). */
  readonly protection: "sm4" | "plaintext";
}

export interface LoadResult {
  readonly mode: LoadGeneratorArgs["mode"];
  /** Calls completed inside the measured window (after warm-up). */
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Calls that did not end OK with a verified response, over the whole run including warm-up. */
  readonly errors: number;
  readonly firstError?: string;
  /** Every call completed, warm-up included (to divide the servers' CPU time by). */
  readonly totalRequests: number;
  /** The generator's own CPU time over the whole run, ms. */
  readonly cpuMs: number;
}

export interface HandshakeLoadArgs {
  readonly gateway: string;
  readonly gatewayParty: string;
  readonly identity: ClientIdentityFiles;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Client loops running handshakes back to back. */
  readonly loops: number;
}

export interface HandshakeResult {
  readonly handshakes: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly totalHandshakes: number;
  readonly cpuMs: number;
}

/** The first line a server child prints once it is listening. */
export interface ListeningReport {
  readonly address: string;
}
