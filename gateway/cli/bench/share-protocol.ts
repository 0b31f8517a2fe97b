// What bench:share's parent and its child processes pass each other: one JSON argument in
// (process.argv[2]); JSON lines out on stdout, the first when the child is ready, then one answer
// per command line the parent writes to the child's stdin ("cpu", "count", "audit"). Kept apart
// from the children's entry files so the parent can import the types without running a child.

/** A party's certificate material in the dev PKI (PEM files). */
export interface IdentityFiles {
  readonly chain: string;
  readonly key: string;
  readonly anchors: readonly string[];
  readonly crls: readonly string[];
}

/** The first line of a server child: where it listens. */
export interface ReadyReport {
  readonly address: string;
}

/** Answer to "cpu": user + system CPU time of the whole process (every thread) so far, µs. */
export interface CpuReport {
  readonly cpuUs: number;
}

/** Answer to "count" (backend): calls answered OK so far. */
export interface CountReport {
  readonly calls: number;
}

/** Answer to "audit" (gateway): entries in its audit log so far. */
export interface AuditReport {
  readonly entries: number;
}

/** The one share every call of both paths makes: a GetTicket of the owner's record. */
export interface ShareRequestSpec {
  readonly targetParty: string;
  readonly ticketNo: string;
  /** The grant the hutong path presents (empty on the baseline, whose forwarders check nothing). */
  readonly grantId: string;
  /** Ticket fields (proto JSON names) that may be non-empty in a hutong answer: what minimisation keeps. */
  readonly releasedFields: readonly string[];
}

export interface LoadArgs {
  readonly mode: "baseline" | "hutong";
  /** host:port of the first hop: province A's gateway, or the first forwarder. */
  readonly target: string;
  /** Party of province A's gateway (hutong mode: the server of the session). */
  readonly gatewayParty: string;
  readonly identity: IdentityFiles;
  readonly request: ShareRequestSpec;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
  readonly connections: number;
}

export interface LoadResult {
  readonly mode: LoadArgs["mode"];
  /** Verified answers completed inside the measured window. */
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Calls that did not end OK with a verified answer, warm-up included. */
  readonly errors: number;
  readonly firstError?: string;
  /** Every call that ended OK and verified, warm-up included (what the backend must have answered). */
  readonly totalOk: number;
  /** The generator's own CPU time over the run, µs. */
  readonly cpuUs: number;
}

export interface HandshakeArgs {
  readonly gateway: string;
  readonly gatewayParty: string;
  readonly identity: IdentityFiles;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly loops: number;
}

export interface HandshakeResult {
  /** Handshakes completed inside the measured window. */
  readonly handshakes: number;
  readonly errors: number;
  readonly firstError?: string;
  /** Every handshake completed, warm-up included. */
  readonly total: number;
  readonly cpuUs: number;
}
