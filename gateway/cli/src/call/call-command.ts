import { readFile, writeFile } from "node:fs/promises";
import { annotatedCopyFileOf, createHutongClient } from "@hutong/client";
import { type ShareMethodSpec, shareMethods } from "@hutong/proto";
import { isWireError, statusName } from "@hutong/wire";
import { Command } from "commander";
import { type ConnectionFlags, clientOptions, connectionSettings } from "../support/client-options.js";
import { UsageError } from "../support/usage-error.js";
import { contractMethods, findContractMethod } from "./contract-methods.js";
import { requestJsonProblems } from "./request-json.js";

interface CallFlags extends ConnectionFlags {
  timeout: string;
  list?: boolean;
  annotatedCopy?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The method's share semantics when it can give an annotated copy and the request asks for one;
 * a usage error otherwise (a copy is written only from an annotated answer, docs/annotated-copies.md).
 */
function annotatedMethod(path: string, request: unknown): ShareMethodSpec {
  const spec = shareMethods.get(path.slice(1));
  if (spec?.annotateRequest === undefined || spec.responseAnnotation === undefined) {
    throw new UsageError(`--annotated-copy: ${path.slice(1)} gives no annotated copies`);
  }
  let value: unknown = request;
  for (const step of spec.annotateRequest) value = (value as Record<string, unknown> | undefined)?.[camel(step.name)];
  if (value !== true) {
    const name = spec.annotateRequest.map((s) => camel(s.name)).join(".");
    throw new UsageError(`--annotated-copy needs "${name}": true in the request`);
  }
  return spec;
}

async function readRequest(arg: string | undefined): Promise<unknown> {
  const text =
    arg === undefined || arg === "-"
      ? await new Promise<string>((resolve, reject) => {
          let s = "";
          process.stdin.setEncoding("utf8");
          process.stdin.on("data", (c) => {
            s += c;
          });
          process.stdin.on("end", () => resolve(s));
          process.stdin.on("error", reject);
        })
      : arg.startsWith("@")
        ? await readFile(arg.slice(1), "utf8")
        : arg;
  try {
    return JSON.parse(text === "" ? "{}" : text);
  } catch (e) {
    throw new UsageError(`request is not JSON: ${(e as Error).message}`);
  }
}

export function callCommand(): Command {
  return new Command("call")
    .description(
      "call any method of the hutong.v1 contract through a gateway: SM2 handshake with the given certificate, per-call MAC, response checked; JSON in and out",
    )
    .argument("[method]", 'e.g. hutong.v1.TicketService/VerifyTicket (or "TicketService.VerifyTicket")')
    .argument(
      "[request]",
      "request as proto3 JSON (lowerCamel or proto field names; an unknown field is refused), @file, or - for stdin",
      "{}",
    )
    .option(
      "--profile <file>",
      "client profile: JSON with address, gateway, chain, key, trust[], crl[]; paths relative to the file (npm start writes one)",
    )
    .option("--address <host:port>", "the gateway")
    .option("--gateway <party>", "the gateway's party id, which its certificate must carry")
    .option("--chain <file>", "your certificate chain (PEM, leaf first)")
    .option("--key <file>", "your private key (PEM)")
    .option("--passphrase-env <name>", "environment variable holding the key's passphrase")
    .option("--trust <file>", "trust anchor (repeatable)", collect, [])
    .option("--crl <file>", "CRL (repeatable; revocation is required for the gateway's chain)", collect, [])
    .option("--timeout <ms>", "deadline for the whole call", "10000")
    .option("--list", "list the callable methods and exit")
    .option(
      "--annotated-copy <file>",
      'write the annotated copy (加注件) the answer carries to <file> (a fetch with e.g. "annotate": true; verify it with hutong annotation verify)',
    )
    .action(async (method: string | undefined, requestArg: string, flags: CallFlags) => {
      if (flags.list === true) {
        for (const name of contractMethods.keys()) console.log(name);
        return;
      }
      if (method === undefined) throw new UsageError("missing method (try --list)");
      const target = findContractMethod(method);
      if (target === undefined) throw new UsageError(`unknown method ${method} (try --list)`);
      // The request first: a mistake in it is reported before any file is read or byte sent.
      const json = await readRequest(requestArg);
      const problems = requestJsonProblems(target.requestType, json);
      if (problems.length > 0) {
        throw new UsageError(`request does not fit ${target.requestType}:\n  ${problems.join("\n  ")}`);
      }
      const request = target.request.fromJSON(json);
      const annotated = flags.annotatedCopy === undefined ? undefined : annotatedMethod(target.path, request);
      const settings = await connectionSettings(flags);
      const timeoutMs = Number(flags.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError("--timeout must be positive ms");
      const client = createHutongClient(await clientOptions(settings));
      try {
        const reply = await client.session.call(target.path, Buffer.from(target.request.encode(request).finish()), {
          deadline: Date.now() + timeoutMs,
        });
        console.log(JSON.stringify(target.response.toJSON(target.response.decode(reply.body)), null, 2));
        if (annotated !== undefined && flags.annotatedCopy !== undefined) {
          // From the exact response bytes: the annotation's digest is over the record as released.
          const file = annotatedCopyFileOf(annotated, reply.body);
          if (file === undefined) {
            console.error(`ERROR: the answer carries no annotation; ${flags.annotatedCopy} not written`);
            process.exitCode = 1;
          } else {
            await writeFile(flags.annotatedCopy, `${JSON.stringify(file, null, 2)}\n`);
            console.error(`annotated copy written to ${flags.annotatedCopy}`);
          }
        }
      } catch (e) {
        if (!isWireError(e)) throw e;
        console.error(`ERROR: ${statusName(e.code)}: ${e.message}`);
        process.exitCode = 1;
      } finally {
        client.close();
      }
    });
}
