import { type Command, Option } from "commander";
import { CertsError } from "../../error.js";
import { validateCertificatePath } from "../../pki/validate-path.js";
import { parseCertificatePem } from "../../x509/certificate.js";
import { type Crl, parseCrl, parseCrlPem } from "../../x509/crl.js";
import { subjectUriPrefix } from "../../x509/holder-subject.js";
import { CliError } from "../support/cli-error.js";
import { readBytes, readText } from "../support/files.js";
import { emit } from "../support/output.js";

/** A CRL file in PEM (any number of blocks) or DER, as `openssl crl -outform DER` writes it. */
function readCrls(file: string): Crl[] {
  const bytes = readBytes(file);
  const text = Buffer.from(bytes).toString("latin1");
  return text.includes("-----BEGIN") ? parseCrlPem(text) : [parseCrl(bytes)];
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("validate CERT.pem's path to a trust anchor; prints its party id (exit 0) or the error code (exit 1)")
    .argument("<cert>", "certificate (PEM); further certificates in the file are used as untrusted intermediates")
    .requiredOption("--trust <file>", "trust anchor(s), PEM")
    .option("--untrusted <file>", "intermediate certificates, PEM")
    .option(
      "--crl <file>",
      "CRL to check revocation against (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--require-crl", "fail unless every link has a current CRL")
    .addOption(new Option("--usage <usage>", "required extended key usage").choices(["server", "client"]))
    .option("--party <party>", "require exactly this party id")
    .option(
      "--holder",
      "a holder certificate (--trust: the holder CA): it must name exactly one subject (urn:hutong:subject:) and no party; prints the subject URI",
    )
    .option("--at <time>", "validate at this ISO 8601 time instead of now")
    .action(function (this: Command, certFile: string) {
      const o = this.opts<{
        trust: string;
        untrusted?: string;
        crl: string[];
        requireCrl?: boolean;
        usage?: "server" | "client";
        party?: string;
        holder?: boolean;
        at?: string;
      }>();
      const time = o.at === undefined ? new Date() : new Date(o.at);
      if (Number.isNaN(time.getTime())) throw new CliError(`--at: "${o.at}" is not an ISO 8601 time`);
      const [leaf, ...rest] = parseCertificatePem(readText(certFile));
      if (leaf === undefined) throw new CliError(`${certFile} holds no certificate`);
      const trustAnchors = parseCertificatePem(readText(o.trust));
      const intermediates = [...rest, ...(o.untrusted ? parseCertificatePem(readText(o.untrusted)) : [])];
      try {
        const path = validateCertificatePath(leaf, {
          trustAnchors,
          intermediates,
          crls: o.crl.flatMap(readCrls),
          time,
          revocation: o.requireCrl ? "require" : "if-present",
          ...(o.usage ? { requiredEku: o.usage === "server" ? "serverAuth" : "clientAuth" } : {}),
          ...(o.party ? { expectedPartyId: o.party } : {}),
          ...(o.holder ? { requirePartyId: false } : {}),
        } as const);
        if (o.holder) {
          const subjects = (path.leaf.extensions.subjectAltName?.uris ?? []).filter((u) =>
            u.startsWith(subjectUriPrefix),
          );
          const [subjectUri] = subjects;
          if (path.partyId !== "" || subjects.length !== 1 || subjectUri === undefined) {
            throw new CertsError("wrong-party", "a holder certificate names exactly one subject and no party");
          }
          emit(this, { valid: true, subjectUri, chain: path.chain.map((c) => c.serialHex) }, subjectUri);
          return;
        }
        emit(this, { valid: true, partyId: path.partyId, chain: path.chain.map((c) => c.serialHex) }, path.partyId);
      } catch (e) {
        if (!(e instanceof CertsError)) throw e;
        emit(this, { valid: false, code: e.code, message: e.message }, `${e.code}: ${e.message}`);
        process.exitCode = 1;
      }
    });
}
