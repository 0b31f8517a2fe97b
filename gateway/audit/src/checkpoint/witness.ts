import { isMerkleError, type MerkleHasher, merkleHasher, verifyConsistency } from "../merkle/index.js";
import { checkSm3Origin, openCheckpoint, parseCheckpoint, parseDecimalSize } from "./checkpoint.js";
import { CheckpointError, isCheckpointError } from "./checkpoint-error.js";
import { type CosignatureSigner, cosignCheckpoint } from "./cosignature.js";
import { maxNoteBytes, type NoteVerifier, parseNote } from "./signed-note.js";
import { decodeStrictBase64, encodeBase64 } from "./strict-base64.js";

/**
 * The witness of c2sp.org/tlog-witness `add-checkpoint`, as a decision over
 * an injected state (docs/audit-checkpoints.md §6). No I/O: the caller loads
 * the state for the request's origin, calls decideAddCheckpoint, and on
 * "cosigned" stores `newState` with an atomic compare-and-store against the
 * state it passed in (the spec's rollback race) BEFORE answering.
 */

/** What a witness remembers per log: the latest checkpoint it cosigned. */
export interface WitnessState {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint exactly as the log submitted it: evidence of what the log signed. */
  readonly checkpointNote: string;
}

export interface WitnessConfig {
  readonly signer: CosignatureSigner;
  /** Origin → the log's verifiers (several during a key rotation). */
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>;
  readonly hasher: MerkleHasher;
}

export interface WitnessLogConfig {
  readonly origin: string;
  readonly verifiers: readonly NoteVerifier[];
}

/**
 * Validates a witness configuration once, at start-up: SM3-bound origins
 * (ending "/sm3"), each listed once, each with at least one verifier whose key
 * name is the origin.
 */
export function createWitnessConfig(input: {
  signer: CosignatureSigner;
  logs: readonly WitnessLogConfig[];
}): WitnessConfig {
  const logs = new Map<string, readonly NoteVerifier[]>();
  for (const log of input.logs) {
    checkSm3Origin(log.origin);
    if (logs.has(log.origin)) throw new CheckpointError("invalid-argument", `log ${log.origin} configured twice`);
    if (log.verifiers.length === 0) throw new CheckpointError("invalid-argument", `log ${log.origin} has no key`);
    if (log.verifiers.some((v) => v.name !== log.origin)) {
      throw new CheckpointError("invalid-argument", `a key of log ${log.origin} is not named after its origin`);
    }
    logs.set(log.origin, Object.freeze([...log.verifiers]));
  }
  return Object.freeze({ signer: input.signer, logs, hasher: merkleHasher("sm3") });
}

/** The spec's bound on consistency proof lines. */
export const maxConsistencyProofLines = 63;
/** A request is an old-size line, up to 63 proof lines of 45 bytes, a blank line and a note. */
export const maxAddCheckpointRequestBytes = maxNoteBytes + 4096;

export interface AddCheckpointRequest {
  readonly oldSize: number;
  /** The consistency proof hashes, 32 bytes each. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint, exactly as sent. */
  readonly checkpointNote: string;
  /** The checkpoint's origin, NOT yet verified: only for loading the state to decide with. */
  readonly origin: string;
}

function badRequest(why: string, cause?: unknown): CheckpointError {
  return new CheckpointError("malformed-request", `malformed add-checkpoint request: ${why}`, { cause });
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses an add-checkpoint body: `old <size>\n`, 0–63 base64 hash lines, a
 * blank line, a signed checkpoint. Strict like the note parser (canonical
 * base64 of 32 bytes, decimals without leading zeros). Checks the note's and
 * the checkpoint's syntax, not its signatures. Throws "malformed-request".
 */
export function parseAddCheckpointRequest(body: string | Uint8Array): AddCheckpointRequest {
  let text: string;
  if (typeof body === "string") {
    if (Buffer.byteLength(body, "utf8") > maxAddCheckpointRequestBytes) throw badRequest("too long");
    text = body;
  } else {
    if (body.length > maxAddCheckpointRequestBytes) throw badRequest("too long");
    try {
      text = utf8Decoder.decode(body);
    } catch (cause) {
      throw badRequest("not valid UTF-8", cause);
    }
  }
  let at = text.indexOf("\n");
  const first = at < 0 ? "" : text.slice(0, at);
  const oldSize = first.startsWith("old ") ? parseDecimalSize(first.slice(4)) : undefined;
  if (oldSize === undefined) throw badRequest("first line is not `old <size>`");
  const proof: Uint8Array[] = [];
  for (;;) {
    const start = at + 1;
    at = text.indexOf("\n", start);
    if (at < 0) throw badRequest("no blank line before the checkpoint");
    if (at === start) break;
    if (proof.length === maxConsistencyProofLines)
      throw badRequest(`more than ${maxConsistencyProofLines} proof lines`);
    const hash = decodeStrictBase64(text.slice(start, at));
    if (hash === undefined || hash.length !== 32) throw badRequest("proof line is not canonical base64 of 32 bytes");
    proof.push(hash);
  }
  const checkpointNote = text.slice(at + 1);
  let origin: string;
  try {
    origin = parseCheckpoint(parseNote(checkpointNote).text).origin;
  } catch (cause) {
    if (isCheckpointError(cause)) throw badRequest(`checkpoint: ${cause.message}`, cause);
    throw cause;
  }
  return { oldSize, proof, checkpointNote, origin };
}

/** The request body a log sends. */
export function formatAddCheckpointRequest(request: {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly checkpointNote: string;
}): string {
  if (!Number.isSafeInteger(request.oldSize) || request.oldSize < 0) {
    throw new CheckpointError("invalid-argument", "old size must be a non-negative safe integer");
  }
  if (request.proof.length > maxConsistencyProofLines || request.proof.some((h) => h.length !== 32)) {
    throw new CheckpointError("invalid-argument", `a proof is at most ${maxConsistencyProofLines} 32-byte hashes`);
  }
  parseNote(request.checkpointNote);
  return `old ${request.oldSize}\n${request.proof.map((h) => `${encodeBase64(h)}\n`).join("")}\n${request.checkpointNote}`;
}

/**
 * The decision, with the HTTP status c2sp.org/tlog-witness gives it. A closed
 * union: the HTTP layer switches on `kind` (witnessResponse does it for you).
 * "bad-proof" and "same-size-different-root" come after the log's signature
 * verified: keep such requests, they may be evidence of a fork.
 */
export type AddCheckpointOutcome =
  /** No log with this origin is configured. */
  | { readonly kind: "unknown-origin"; readonly status: 404 }
  /** No signature by the log's keys verifies, or one of them fails. */
  | { readonly kind: "untrusted"; readonly status: 403 }
  /** `old` is larger than the checkpoint's size. */
  | { readonly kind: "old-greater-than-new"; readonly status: 400 }
  /** `old` is not the size this witness last cosigned; `size` is that size (0 if none). */
  | { readonly kind: "size-conflict"; readonly status: 409; readonly size: number }
  /** Same size as the last cosigned checkpoint but another root: a fork. The spec answers 409 with the size. */
  | { readonly kind: "same-size-different-root"; readonly status: 409; readonly size: number }
  /** `old` is 0 and the proof is not empty. */
  | { readonly kind: "non-empty-proof-from-zero"; readonly status: 422 }
  /** The consistency proof does not prove the new tree extends the one last cosigned. */
  | { readonly kind: "bad-proof"; readonly status: 422 }
  /** Cosigned: persist `newState` (compare-and-store against the state given), then send `cosignature`. */
  | {
      readonly kind: "cosigned";
      readonly status: 200;
      /** The signature line(s) for the response body, each ending in "\n". */
      readonly cosignature: string;
      readonly newState: WitnessState;
    };

export interface AddCheckpointInput {
  readonly config: WitnessConfig;
  readonly request: AddCheckpointRequest;
  /** The stored state for request.origin, or undefined if this witness never cosigned for that log. */
  readonly state: WitnessState | undefined;
  /** Milliseconds since the epoch; the cosignature carries whole seconds. */
  readonly now: number;
}

/** The add-checkpoint decision, in the spec's order of checks. */
export function decideAddCheckpoint({ config, request, state, now }: AddCheckpointInput): AddCheckpointOutcome {
  const verifiers = config.logs.get(request.origin);
  if (verifiers === undefined) return { kind: "unknown-origin", status: 404 };
  if (state !== undefined && state.origin !== request.origin) {
    throw new CheckpointError("invalid-argument", "the state passed is not the state of the request's origin");
  }

  let checkpoint: ReturnType<typeof openCheckpoint>["checkpoint"];
  try {
    ({ checkpoint } = openCheckpoint(request.checkpointNote, verifiers, request.origin));
  } catch (error) {
    if (isCheckpointError(error, "bad-signature") || isCheckpointError(error, "unverified")) {
      return { kind: "untrusted", status: 403 };
    }
    throw error;
  }

  if (request.oldSize > checkpoint.size) return { kind: "old-greater-than-new", status: 400 };
  const witnessSize = state?.size ?? 0;
  if (request.oldSize !== witnessSize) return { kind: "size-conflict", status: 409, size: witnessSize };
  if (request.oldSize === 0 && request.proof.length > 0) return { kind: "non-empty-proof-from-zero", status: 422 };

  // With nothing cosigned yet, the old tree is the empty one and its root is HASH("").
  const oldRoot = state?.root ?? config.hasher.emptyRoot();
  if (request.oldSize === checkpoint.size && !Buffer.from(oldRoot).equals(checkpoint.root)) {
    return { kind: "same-size-different-root", status: 409, size: witnessSize };
  }
  try {
    verifyConsistency(config.hasher, request.oldSize, checkpoint.size, oldRoot, checkpoint.root, request.proof);
  } catch (error) {
    if (isMerkleError(error)) return { kind: "bad-proof", status: 422 };
    throw error;
  }

  return {
    kind: "cosigned",
    status: 200,
    cosignature: cosignCheckpoint(config.signer, request.checkpointNote, now),
    newState: {
      origin: checkpoint.origin,
      size: checkpoint.size,
      root: checkpoint.root,
      checkpointNote: request.checkpointNote,
    },
  };
}

export interface WitnessHttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The HTTP response the spec prescribes for an outcome (409 bodies are the witness's size, text/x.tlog.size). */
export function witnessResponse(outcome: AddCheckpointOutcome): WitnessHttpResponse {
  const text = (body: string) => ({ status: outcome.status, contentType: "text/plain; charset=utf-8", body });
  switch (outcome.kind) {
    case "cosigned":
      return text(outcome.cosignature);
    case "size-conflict":
    case "same-size-different-root":
      return { status: outcome.status, contentType: "text/x.tlog.size", body: `${outcome.size}\n` };
    default:
      return text(`${outcome.kind}\n`);
  }
}
