import { type Command, Option } from "commander";
import { generateSm2PrivateKey } from "../../crypto/sm2-key.js";
import { createCertificate } from "../../x509/certificate.js";
import { createCaDirectory, distributableChain, openCaDirectory } from "../support/ca-directory.js";
import { CliError } from "../support/cli-error.js";
import { backdated, daysFromNow, earlier, emit, parseDays, parseNonNegativeInt } from "../support/output.js";
import { caKeyPassphrase, newKeyPassphrase } from "../support/passphrase.js";

export function registerIssueCa(program: Command): void {
  program
    .command("issue-ca")
    .description("create an intermediate CA (e.g. one per province) signed by --ca: DIR2/ca.pem, ca.key, chain.pem")
    .requiredOption("--ca <dir>", "the issuing CA's directory")
    .requiredOption("--dir <dir>", "directory to create the intermediate CA in")
    .requiredOption("--name <name>", "the CA's common name, e.g. 'Sichuan transport CA'")
    .option("--org <org>", "organization", "hutong federation")
    .option("--days <n>", "validity in days", parseDays, 1825)
    .option("--path-len <n>", "how many CA levels may follow this one", parseNonNegativeInt, 0)
    .addOption(
      new Option("--ca-passphrase-file <file>", "passphrase of the issuing CA's key (else $HUTONG_CA_PASSPHRASE)"),
    )
    .addOption(new Option("--passphrase-file <file>", "encrypt the new ca.key with the passphrase in this file"))
    .addOption(new Option("--passphrase-env <var>", "encrypt the new ca.key with the passphrase in this variable"))
    .action(function (this: Command) {
      const o = this.opts<{
        ca: string;
        dir: string;
        name: string;
        org: string;
        days: number;
        pathLen: number;
        caPassphraseFile?: string;
        passphraseFile?: string;
        passphraseEnv?: string;
      }>();
      const parent = openCaDirectory(o.ca, caKeyPassphrase(o));
      const parentLen = parent.cert.extensions.basicConstraints?.pathLen;
      if (parentLen !== undefined && parentLen < 1)
        throw new CliError(`${o.ca} has pathLen ${parentLen}: it may not issue CAs`);
      const now = new Date();
      const key = generateSm2PrivateKey();
      const notAfter = daysFromNow(now, o.days);
      const cert = createCertificate({
        subject: { commonName: o.name, organization: o.org, country: "CN" },
        publicKey: key.publicKey,
        issuer: { certificate: parent.cert, privateKey: parent.key },
        notBefore: backdated(now),
        notAfter: earlier(notAfter, parent.cert.notAfter),
        ca: { pathLen: o.pathLen },
      });
      const passphrase = newKeyPassphrase(o);
      // A holder CA's intermediates are holder CAs too: the kind follows the anchor.
      createCaDirectory(o.dir, cert, key, distributableChain(parent), passphrase, parent.kind);
      parent.db.issued.push({
        serialHex: cert.serialHex,
        subject: o.name,
        notAfter: cert.notAfter.toISOString(),
        issuedAt: now.toISOString(),
      });
      parent.saveDb();
      emit(
        this,
        { dir: o.dir, serial: cert.serialHex, issuer: o.ca, notAfter: cert.notAfter.toISOString() },
        `intermediate CA "${o.name}" created in ${o.dir} (serial ${cert.serialHex}), signed by ${o.ca}`,
      );
    });
}
