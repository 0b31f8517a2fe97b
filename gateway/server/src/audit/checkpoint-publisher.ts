import {
  formatAddCheckpointRequest,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  parseNote,
  signCheckpoint,
  verifyCosignature,
} from "@hutong/audit";
import type { StoredCheckpoint } from "../store/index.js";
import type { AuditReader } from "./audit-reader.js";

/** A witness's answer to add-checkpoint: a cosignature line, or the size it last cosigned (resubmit from it). */
export type WitnessAnswer = { readonly cosignature: string } | { readonly conflictSize: number };

/** One peer that cosigns this log (witness-client.ts makes `submit` for a peer gateway). */
export interface CheckpointWitness {
  readonly party: string;
  /**
   * The witness's cosignature key, when configured: its lines are verified before they go on
   * the note. Without it a line is only checked for form (one signature line, not the log's key).
   */
  readonly verifier?: NoteVerifier;
  /** Sends an add-checkpoint body; rejects when the witness is down or refuses otherwise. */
  submit(body: string): Promise<WitnessAnswer>;
}

/** pino's Logger fits. */
export interface PublisherLogger {
  warn(facts: Record<string, unknown>, message: string): void;
  error(facts: Record<string, unknown>, message: string): void;
}

export interface CheckpointPublisherOptions {
  readonly reader: AuditReader;
  /** createNoteSigner(origin, gatewayPrivateKey): its name must be `origin`. */
  readonly signer: NoteSigner;
  readonly origin: string;
  readonly intervalMs: number;
  readonly witnesses: readonly CheckpointWitness[];
  readonly logger: PublisherLogger;
  /** Milliseconds since the epoch, for the back-off of witnesses that fail; default Date.now. */
  readonly now?: () => number;
  /** Longest wait before asking a failing witness again on the timer; default 5 minutes. */
  readonly maxBackoffMs?: number;
}

/** What this publisher knows of one witness (GetGatewayInfo's witness states read it). */
export interface WitnessProgress {
  readonly party: string;
  /** The size it last cosigned or said it had cosigned (a size conflict); undefined until it answers. */
  readonly cosignedSize: number | undefined;
  /** When (ms, this process's clock) it last cosigned for this publisher. */
  readonly cosignedAtMs: number | undefined;
  /** Requests in a row that did not bring its cosignature (down, refused, inconsistent); 0 after one did. */
  readonly failures: number;
  /** When the timer asks it again, while failures > 0. */
  readonly retryAtMs: number | undefined;
}

export interface CheckpointPublisher {
  /**
   * Signs the head now if it grew since the latest checkpoint (or there is none), else
   * resubmits the latest to witnesses that have not cosigned it; saves and returns the
   * checkpoint with the cosignatures collected. Asks every witness, even one in back-off.
   */
  publishNow(): Promise<StoredCheckpoint>;
  /** Each witness, in the order given, as this process has seen it answer. */
  witnesses(): readonly WitnessProgress[];
  /** Stops the timer and waits for a publication in flight. */
  close(): Promise<void>;
}

/**
 * Publishes this log's checkpoints and collects witness cosignatures
 * (docs/audit-checkpoints.md §5–6). It only ever signs the head of its own
 * append-only store, and checks first that the head extends the latest
 * checkpoint (never smaller, same root at the old size), so it cannot sign a
 * fork of its own history even if the store was rewritten. Witnesses are
 * best effort: one that is down or refuses is logged and skipped, and the
 * timer asks it again after a back-off that doubles per failure (so a witness
 * that is down for hours costs a warning every few minutes, not every tick).
 */
export function startCheckpointPublisher(options: CheckpointPublisherOptions): CheckpointPublisher {
  const { reader, signer, origin, witnesses, logger } = options;
  const now = options.now ?? Date.now;
  const maxBackoffMs = options.maxBackoffMs ?? 300_000;
  if (signer.name !== origin) throw new RangeError("the checkpoint signer's key name must be the log's origin");
  if (!Number.isSafeInteger(options.intervalMs) || options.intervalMs < 1) {
    throw new RangeError("intervalMs must be a positive integer");
  }
  if (new Set(witnesses.map((w) => w.party)).size !== witnesses.length) {
    throw new RangeError("a witness is listed twice");
  }
  // The size each witness last cosigned, as far as this process knows (absent: assume 0; the
  // witness corrects us with a size conflict).
  const cosigned = new Map<string, number>();
  const cosignedAt = new Map<string, number>();
  const failing = new Map<string, { readonly failures: number; readonly retryAt: number }>();
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let closed = false;

  /** Witnesses to ask now: all of them when forced, else those not in back-off. */
  function askable(force: boolean): readonly CheckpointWitness[] {
    if (force) return witnesses;
    const t = now();
    return witnesses.filter((w) => (failing.get(w.party)?.retryAt ?? 0) <= t);
  }

  function failed(witness: CheckpointWitness): number {
    const failures = (failing.get(witness.party)?.failures ?? 0) + 1;
    const waitMs = Math.min(options.intervalMs * 2 ** Math.min(failures - 1, 30), maxBackoffMs);
    failing.set(witness.party, { failures, retryAt: now() + waitMs });
    return waitMs;
  }

  async function publish(force: boolean): Promise<StoredCheckpoint> {
    const [head, latest] = await Promise.all([reader.head(), reader.latestCheckpoint()]);
    if (latest !== undefined) {
      // The store is append-only: a smaller head, or another root at the signed size, means it
      // was rewritten. Signing now would put our key on a fork; refuse loudly instead.
      if (head.size < latest.size) {
        throw new Error(`audit head size ${head.size} is below the latest checkpoint's size ${latest.size}`);
      }
      const rootThen = await reader.rootAt(latest.size);
      if (!Buffer.from(rootThen).equals(latest.root)) {
        throw new Error(`the audit tree at size ${latest.size} no longer has the checkpointed root`);
      }
    }
    if (latest !== undefined && head.size === latest.size) {
      const behind = askable(force).filter((w) => cosigned.get(w.party) !== latest.size);
      if (behind.length === 0) return latest;
      return cosignAndSave(latest, behind, false);
    }
    const note = signCheckpoint(signer, { origin, size: head.size, root: head.root });
    return cosignAndSave({ size: head.size, root: head.root, note }, askable(force), true);
  }

  async function cosignAndSave(
    checkpoint: StoredCheckpoint,
    asked: readonly CheckpointWitness[],
    isNew: boolean,
  ): Promise<StoredCheckpoint> {
    const signedPart = withoutCosignatures(checkpoint.note);
    const lines = await Promise.all(asked.map((w) => cosignatureFrom(w, checkpoint, signedPart)));
    const got = lines.filter((l): l is string => l !== undefined);
    if (got.length === 0 && !isNew) return checkpoint;
    const note = addCosignatures(checkpoint.note, got);
    const saved = { size: checkpoint.size, root: checkpoint.root, note };
    await reader.saveCheckpoint(saved);
    return saved;
  }

  /** Asks one witness; undefined when it did not cosign (logged). Never rejects. */
  async function cosignatureFrom(
    witness: CheckpointWitness,
    checkpoint: StoredCheckpoint,
    signedNote: string,
  ): Promise<string | undefined> {
    const attempt = async (oldSize: number) => {
      const proof = await reader.consistencyProof(oldSize, checkpoint.size);
      return witness.submit(formatAddCheckpointRequest({ oldSize, proof: proof.hashes, checkpointNote: signedNote }));
    };
    try {
      let answer = await attempt(cosigned.get(witness.party) ?? 0);
      if ("conflictSize" in answer) {
        const theirs = answer.conflictSize;
        if (!Number.isSafeInteger(theirs) || theirs < 0 || theirs > checkpoint.size) {
          // A witness that cosigned more than we ever signed saw someone else's checkpoint of our log.
          logger.error(
            { witness: witness.party, witnessSize: theirs, size: checkpoint.size, retryInMs: failed(witness) },
            "witness holds a larger checkpoint of this log than this gateway signed",
          );
          return undefined;
        }
        answer = await attempt(theirs);
        if ("conflictSize" in answer) {
          cosigned.set(witness.party, answer.conflictSize);
          logger.warn(
            { witness: witness.party, witnessSize: answer.conflictSize, size: checkpoint.size },
            "witness reported another size twice; retrying at the next checkpoint",
          );
          return undefined;
        }
      }
      const line = checkCosignatureLine(answer.cosignature, signedNote);
      if (witness.verifier !== undefined) verifyCosignature(`${signedNote}${line}`, witness.verifier);
      cosigned.set(witness.party, checkpoint.size);
      cosignedAt.set(witness.party, now());
      failing.delete(witness.party);
      return line;
    } catch (err) {
      logger.warn(
        { witness: witness.party, size: checkpoint.size, err, retryInMs: failed(witness) },
        "witness did not cosign the checkpoint; publishing without it",
      );
      return undefined;
    }
  }

  /** A cosignature must be one well-formed signature line, by another key than the log's. */
  function checkCosignatureLine(line: string, signedNote: string): string {
    const sigs = signaturesOf(`${signedNote}${line}`).slice(parseNote(signedNote).signatures.length);
    const ok =
      line.endsWith("\n") &&
      line.indexOf("\n") === line.length - 1 &&
      sigs.length === 1 &&
      !sameKey(sigs[0] as NoteSignature, signer);
    // A line under the log's own (name, key id) would make every verifier reject the note.
    if (!ok) throw new Error("the witness answered with something other than one cosignature line");
    return line;
  }

  function run(force: boolean): Promise<StoredCheckpoint> {
    const next = running.then(() => publish(force));
    running = next.catch(() => undefined);
    return next;
  }

  const timer = setInterval(() => {
    if (busy || closed) return;
    busy = true;
    run(false)
      .catch((err: unknown) => logger.error({ err, origin }, "checkpoint publication failed"))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs);
  timer.unref();

  return {
    publishNow() {
      if (closed) return Promise.reject(new Error("the checkpoint publisher is closed"));
      return run(true);
    },
    witnesses() {
      return witnesses.map((w) => ({
        party: w.party,
        cosignedSize: cosigned.get(w.party),
        cosignedAtMs: cosignedAt.get(w.party),
        failures: failing.get(w.party)?.failures ?? 0,
        retryAtMs: failing.get(w.party)?.retryAt,
      }));
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}

function sameKey(a: { name: string; keyId: number }, b: { name: string; keyId: number }): boolean {
  return a.name === b.name && a.keyId === b.keyId;
}

function signaturesOf(note: string): readonly NoteSignature[] {
  return parseNote(note).signatures;
}

/** The note with only its first signature line (the log's own): what witnesses are sent. */
function withoutCosignatures(note: string): string {
  const { text } = parseNote(note);
  return note.slice(0, note.indexOf("\n", text.length + 1) + 1);
}

/**
 * Appends cosignature lines, replacing any earlier line by the same witness key (a witness
 * asked again after a restart signs again with a new timestamp; one line per key is enough).
 */
function addCosignatures(note: string, lines: readonly string[]): string {
  if (lines.length === 0) return note;
  const { text } = parseNote(note);
  const fresh = lines.map((l) => ({ line: l, sig: signaturesOf(`${note}${l}`).at(-1) as NoteSignature }));
  const kept = splitLines(note.slice(text.length + 1)).filter((line, i) => {
    if (i === 0) return true;
    const sig = signaturesOf(`${text}\n${line}`)[0] as NoteSignature;
    return !fresh.some((f) => sameKey(f.sig, sig));
  });
  return `${text}\n${kept.join("")}${fresh.map((f) => f.line).join("")}`;
}

function splitLines(block: string): string[] {
  return block
    .split("\n")
    .slice(0, -1)
    .map((l) => `${l}\n`);
}
