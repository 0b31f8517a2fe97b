import {
  type Checkpoint,
  isCheckpointError,
  isMerkleError,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  sm3Hasher,
  verifyInclusion,
} from "@hutong/audit";
import { AuditServiceService } from "@hutong/proto";
import { Command } from "commander";
import { UsageError } from "../support/usage-error.js";
import { bigToIndex, type ClientFlags, logKeyOf, openClient, parseCount, timeoutOf } from "./audit-flags.js";
import { type AuditCommandIo, failedCall, printer } from "./audit-io.js";
import { auditEntryJson, hex } from "./entry-format.js";

interface ProveFlags extends ClientFlags {
  index: string;
  size?: string;
  logKey?: string;
  json?: boolean;
  timeout: string;
}

export function proveCommand(io: AuditCommandIo): Command {
  const { out, err } = printer(io);
  return new Command("prove")
    .description(
      "fetch an entry with its inclusion proof (ProveInclusion) and check it against the returned signed checkpoint before printing",
    )
    .requiredOption("--profile <file>", "client profile, as for hutong call")
    .requiredOption("--index <n>", "the entry's index")
    .option("--size <n>", "tree size to prove in (default: the latest checkpoint's)")
    .option("--log-key <vkey>", "also verify the checkpoint's signature with this log key (or @file)")
    .option("--json", "print one JSON object")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--timeout <ms>", "deadline for the call", "10000")
    .action(async (flags: ProveFlags) => {
      const index = parseCount(flags.index, "--index") as number;
      const size = parseCount(flags.size, "--size");
      if (size !== undefined && index >= size) throw new UsageError(`--index ${index} is not below --size ${size}`);
      const logKey = flags.logKey === undefined ? undefined : await logKeyOf(flags.logKey);
      const timeout = timeoutOf(flags.timeout) as number;
      const client = await openClient(flags);
      try {
        const res = await client.unary(
          AuditServiceService.proveInclusion,
          { index: BigInt(index), treeSize: BigInt(size ?? 0) },
          { deadline: Date.now() + timeout },
        );
        const treeSize = bigToIndex(res.treeSize, "tree size");
        const fail = (why: string) => {
          err(`ERROR: entry ${index}: ${why}`);
          io.exitCode(1);
        };
        if (bigToIndex(res.index, "index") !== index || (size !== undefined && treeSize !== size)) {
          return fail(`the gateway answered for entry ${res.index} of ${res.treeSize}`);
        }
        if (res.checkpoint === "") {
          return fail(`the gateway has no signed checkpoint of size ${treeSize}: the proof cannot be checked`);
        }
        let checkpoint: Checkpoint;
        try {
          checkpoint =
            logKey === undefined
              ? parseCheckpoint(parseNote(res.checkpoint).text)
              : openCheckpoint(res.checkpoint, logKey, logKey.name).checkpoint;
        } catch (e) {
          if (!isCheckpointError(e)) throw e;
          return fail(`the returned checkpoint does not verify: ${e.message}`);
        }
        if (checkpoint.size !== treeSize) {
          return fail(`the returned checkpoint has size ${checkpoint.size}, not ${treeSize}`);
        }
        const leafHash = sm3Hasher.hashLeaf(res.entry);
        try {
          verifyInclusion(sm3Hasher, index, treeSize, leafHash, res.proof, checkpoint.root);
        } catch (e) {
          if (!isMerkleError(e)) throw e;
          return fail(`the inclusion proof does not lead to the checkpoint's root (${e.code})`);
        }
        const proved = {
          ok: true,
          index,
          treeSize,
          origin: checkpoint.origin,
          root: hex(checkpoint.root),
          checkpointSignatureVerified: logKey !== undefined,
          leafHash: hex(leafHash),
          proof: res.proof.map(hex),
          entry: auditEntryJson(res.entry),
          checkpoint: res.checkpoint,
        };
        if (flags.json === true) {
          out(JSON.stringify(proved));
          return;
        }
        out(`entry ${index} is in ${checkpoint.origin} at size ${treeSize} (root ${proved.root})`);
        out(
          logKey === undefined
            ? "checkpoint signature NOT checked (give --log-key to check it)"
            : "checkpoint signature verified with the log key",
        );
        out(`leaf ${proved.leafHash}, proof of ${proved.proof.length} hashes verified`);
        out(JSON.stringify(proved.entry, null, 2));
      } catch (e) {
        if (!failedCall(io, e)) throw e;
      } finally {
        client.close();
      }
    });
}
