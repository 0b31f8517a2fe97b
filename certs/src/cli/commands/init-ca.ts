import { type Command, Option } from "commander";
import { generateSm2PrivateKey } from "../../crypto/sm2-key.js";
import { createCertificate } from "../../x509/certificate.js";
import { createCaDirectory } from "../support/ca-directory.js";
import { backdated, daysFromNow, emit, parseDays, parseNonNegativeInt } from "../support/output.js";
import { newKeyPassphrase } from "../support/passphrase.js";

export function registerInitCa(program: Command): void {
  program
    .command("init-ca")
    .description("create a self-signed root CA: DIR/ca.pem and DIR/ca.key (mode 0600)")
    .requiredOption("--dir <dir>", "directory to create the CA in")
    .requiredOption("--name <name>", "the CA's common name, e.g. 'hutong federation root'")
    .option("--org <org>", "organization", "hutong federation")
    .option("--days <n>", "validity in days", parseDays, 3650)
    .option("--path-len <n>", "how many intermediate CA levels may follow (omit for no limit)", parseNonNegativeInt)
    .option(
      "--holder",
      "a holder CA (a holder app's root, the gateway's grants.holderAnchors): it issues holder certificates of persons and enterprises only",
    )
    .addOption(new Option("--passphrase-file <file>", "encrypt ca.key with the passphrase in this file"))
    .addOption(new Option("--passphrase-env <var>", "encrypt ca.key with the passphrase in this environment variable"))
    .action(function (this: Command) {
      const o = this.opts<{
        dir: string;
        name: string;
        org: string;
        days: number;
        pathLen?: number;
        holder?: boolean;
        passphraseFile?: string;
        passphraseEnv?: string;
      }>();
      const now = new Date();
      const key = generateSm2PrivateKey();
      const cert = createCertificate({
        subject: { commonName: o.name, organization: o.org, country: "CN" },
        publicKey: key.publicKey,
        selfSignKey: key,
        notBefore: backdated(now),
        notAfter: daysFromNow(now, o.days),
        ca: o.pathLen === undefined ? {} : { pathLen: o.pathLen },
      });
      const passphrase = newKeyPassphrase(o);
      const kind = o.holder === true ? "holder" : "federation";
      createCaDirectory(o.dir, cert, key, [], passphrase, kind);
      emit(
        this,
        {
          dir: o.dir,
          serial: cert.serialHex,
          notAfter: cert.notAfter.toISOString(),
          encrypted: passphrase !== undefined,
          kind,
        },
        `${kind === "holder" ? "holder " : ""}root CA "${o.name}" created in ${o.dir} (serial ${cert.serialHex}, valid until ${cert.notAfter.toISOString()})`,
      );
    });
}
