import { readFile } from "node:fs/promises";
import { type Certificate, type Crl, isCertsError, parseCertificatePem, parseCrlPem } from "@hutong/certs";
import {
  type AnnotatedCopy,
  annotatedRecordId,
  isClientError,
  parseAnnotatedCopyFile,
  verifyAnnotatedCopy,
} from "@hutong/client";
import { Purpose } from "@hutong/proto";
import { Command } from "commander";
import { profileOf } from "../support/client-options.js";
import type { CommandIo } from "../support/command-io.js";
import { UsageError } from "../support/usage-error.js";

interface VerifyFlags {
  anchors: string[];
  crls: string[];
  profile?: string;
  at?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** PEM files of certificates or CRLs; one that holds none, or does not parse, is a usage error naming it. */
async function pemFiles<T>(paths: readonly string[], what: string, parse: (pem: string) => T[]): Promise<T[]> {
  const lists = await Promise.all(
    paths.map(async (path) => {
      const text = await readText(path, what);
      let items: T[];
      try {
        items = parse(text);
      } catch (e) {
        if (isCertsError(e)) throw new UsageError(`${what} ${path}: ${e.message}`);
        throw e;
      }
      if (items.length === 0) throw new UsageError(`${what} ${path} holds none`);
      return items;
    }),
  );
  return lists.flat();
}

const purposeName = (n: number): string => (Purpose[n] ?? String(n)).replace(/^PURPOSE_/, "");

/**
 * `hutong annotation verify FILE`: an annotated-copy file checked offline against trust anchors and
 * CRLs (docs/annotated-copies.md §4): exit 0 and "valid: …", exit 1 and "invalid: <reason> (…)",
 * exit 2 for a usage error (no anchors, no CRLs, a file that cannot be read).
 */
export function verifyAnnotationCommand(io: CommandIo): Command {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  return new Command("verify")
    .description(
      "verify an annotated copy offline: the owner's gateway's signature and certificate chain (trusted, unrevoked, a gateway of the signer party), the record's digest and the validity window",
    )
    .argument("<file>", "the annotated-copy file (hutong call --annotated-copy)")
    .option("--anchors <pem>", "trust anchor certificates, PEM (repeatable)", collect, [])
    .option("--crls <crl>", "CRLs, PEM (repeatable; revocation is required for the signer's chain)", collect, [])
    .option("--profile <file>", "a client profile: its trust and crl files, unless --anchors / --crls are given")
    .option("--at <time>", "verify as at this time (ISO 8601), not now: was the copy valid when it was used?")
    .action(async (file: string, flags: VerifyFlags) => {
      const at = flags.at === undefined ? Date.now() : Date.parse(flags.at);
      if (Number.isNaN(at)) throw new UsageError(`--at ${flags.at}: not an ISO 8601 time`);
      const profile = flags.profile === undefined ? undefined : await profileOf(flags.profile);
      const anchorFiles = flags.anchors.length > 0 ? flags.anchors : (profile?.trust ?? []);
      const crlFiles = flags.crls.length > 0 ? flags.crls : (profile?.crl ?? []);
      if (anchorFiles.length === 0) throw new UsageError("need at least one --anchors file (or --profile)");
      if (crlFiles.length === 0) {
        throw new UsageError("need at least one --crls file (or --profile): revocation is required");
      }
      const trustAnchors: Certificate[] = await pemFiles(anchorFiles, "anchors", parseCertificatePem);
      const crls: Crl[] = await pemFiles(crlFiles, "CRL file", parseCrlPem);
      const text = await readText(file, "annotated copy");

      let copy: AnnotatedCopy;
      try {
        copy = parseAnnotatedCopyFile(JSON.parse(text));
      } catch (e) {
        const why = e instanceof SyntaxError ? `not JSON: ${e.message}` : isClientError(e) ? e.message : undefined;
        if (why === undefined) throw e;
        out(`invalid: malformed (${why})`);
        io.exitCode(1);
        return;
      }
      const verdict = verifyAnnotatedCopy({
        recordType: copy.recordType,
        recordBytes: copy.record,
        annotation: copy.annotation,
        trust: { trustAnchors },
        crls,
        now: at,
      });
      if (!verdict.ok) {
        out(`invalid: ${verdict.reason} (${verdict.detail})`);
        io.exitCode(1);
        return;
      }
      const a = verdict.annotation;
      const id = annotatedRecordId(copy) ?? "(id unknown)";
      out(
        `valid: ${copy.recordType} ${id} for ${a.recipientParty}, purpose ${purposeName(a.purpose)}, until ${a.validUntil.toISOString()}`,
      );
      out(
        `signed by ${a.signerParty} (certificate ${a.signer.serialHex}) at ${a.issuedAt.toISOString()}${a.grantId === "" ? "" : `, grant ${a.grantId}`}`,
      );
      io.exitCode(0);
    });
}
