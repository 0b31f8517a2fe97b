import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { generateSm2PrivateKey, type Sm2PublicKey } from "../../crypto/sm2-key.js";
import { encodeSm2PrivateKeyPem } from "../../crypto/sm2-key-codec.js";
import { parsePartyId } from "../../party/party-id.js";
import { certificateToPem, createCertificate } from "../../x509/certificate.js";
import { parseCsrPem, verifyCsrSignature } from "../../x509/csr.js";
import type { ExtKeyUsageName } from "../../x509/extensions.js";
import { distributableChain, openCaDirectory, requireCaKind } from "../support/ca-directory.js";
import { CliError } from "../support/cli-error.js";
import { readText, writeAtomic, writeSecret } from "../support/files.js";
import { backdated, daysFromNow, earlier, emit, parseDays } from "../support/output.js";
import { caKeyPassphrase, newKeyPassphrase } from "../support/passphrase.js";

const usages: Record<string, ExtKeyUsageName[]> = {
  server: ["serverAuth"],
  client: ["clientAuth"],
  both: ["serverAuth", "clientAuth"],
};

export function registerIssue(program: Command): void {
  program
    .command("issue")
    .description("issue an end-entity certificate for a party: DIR3/cert.pem, key.pem (unless --csr), chain.pem")
    .requiredOption("--ca <dir>", "the issuing CA's directory")
    .requiredOption("--party <party>", "party id, e.g. prov:510000, prov:510000/licence, rail:cr, tax:chinatax, mot")
    .requiredOption("--out <dir>", "output directory")
    .addOption(
      new Option("--usage <usage>", "extended key usage").choices(["server", "client", "both"]).default("both"),
    )
    .option("--csr <file>", "certify the key in this PKCS#10 request instead of generating one")
    .option("--name <cn>", "common name (default: the party id)")
    .option("--dns <name...>", "DNS names for the subjectAltName")
    .option("--days <n>", "validity in days", parseDays, 365)
    .option("--ca-passphrase-file <file>", "passphrase of the CA key (else $HUTONG_CA_PASSPHRASE)")
    .option("--passphrase-file <file>", "encrypt key.pem with the passphrase in this file")
    .option("--passphrase-env <var>", "encrypt key.pem with the passphrase in this variable")
    .action(function (this: Command) {
      const o = this.opts<{
        ca: string;
        party: string;
        out: string;
        usage: string;
        csr?: string;
        name?: string;
        dns?: string[];
        days: number;
        caPassphraseFile?: string;
        passphraseFile?: string;
        passphraseEnv?: string;
      }>();
      const party = parsePartyId(o.party).text;
      const ca = openCaDirectory(o.ca, caKeyPassphrase(o));
      requireCaKind(ca, "federation");
      let publicKey: Sm2PublicKey;
      let keyPem: string | undefined;
      if (o.csr !== undefined) {
        const [csr] = parseCsrPem(readText(o.csr));
        if (csr === undefined) throw new CliError(`${o.csr} holds no CERTIFICATE REQUEST`);
        if (!verifyCsrSignature(csr)) throw new CliError(`${o.csr}: the request's self-signature does not verify`);
        if (csr.partyId !== undefined && csr.partyId !== party) {
          throw new CliError(`${o.csr} asks for party ${csr.partyId}, not ${party}`);
        }
        publicKey = csr.publicKey;
      } else {
        const key = generateSm2PrivateKey();
        publicKey = key.publicKey;
        keyPem = encodeSm2PrivateKeyPem(key, newKeyPassphrase(o));
      }
      const now = new Date();
      const notAfter = daysFromNow(now, o.days);
      const cert = createCertificate({
        subject: { commonName: o.name ?? party, organization: "hutong federation", country: "CN" },
        publicKey,
        issuer: { certificate: ca.cert, privateKey: ca.key },
        notBefore: backdated(now),
        notAfter: earlier(notAfter, ca.cert.notAfter),
        extKeyUsage: usages[o.usage] ?? [],
        partyId: party,
        ...(o.dns ? { dnsNames: o.dns } : {}),
      });
      mkdirSync(o.out, { recursive: true });
      if (keyPem !== undefined) writeSecret(join(o.out, "key.pem"), keyPem);
      writeAtomic(join(o.out, "cert.pem"), certificateToPem(cert));
      writeAtomic(join(o.out, "chain.pem"), [cert, ...distributableChain(ca)].map(certificateToPem).join(""));
      ca.db.issued.push({
        serialHex: cert.serialHex,
        subject: o.name ?? party,
        partyId: party,
        notAfter: cert.notAfter.toISOString(),
        issuedAt: now.toISOString(),
      });
      ca.saveDb();
      emit(
        this,
        {
          out: o.out,
          serial: cert.serialHex,
          partyId: party,
          usage: o.usage,
          notAfter: cert.notAfter.toISOString(),
          key: keyPem !== undefined,
        },
        `issued ${party} (serial ${cert.serialHex}, ${o.usage}) into ${o.out}`,
      );
    });
}
