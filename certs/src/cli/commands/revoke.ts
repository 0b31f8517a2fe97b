import type { Command } from "commander";
import { Option } from "commander";
import { parseCertificatePem, verifyCertificateSignature } from "../../x509/certificate.js";
import { type RevocationReason, revocationReasons } from "../../x509/crl.js";
import { normalizeSerialHex } from "../../x509/serial.js";
import { openCaDirectory } from "../support/ca-directory.js";
import { CliError } from "../support/cli-error.js";
import { readText } from "../support/files.js";
import { emit } from "../support/output.js";
import { caKeyPassphrase } from "../support/passphrase.js";

export function registerRevoke(program: Command): void {
  program
    .command("revoke")
    .description("record a certificate this CA issued as revoked (publish it with `crl`)")
    .requiredOption("--ca <dir>", "the issuing CA's directory")
    .option("--cert <file>", "the certificate to revoke")
    .option("--serial <hex>", "or its serial number")
    .addOption(
      new Option("--reason <reason>", "CRL reason code").choices([...revocationReasons]).default("unspecified"),
    )
    .option("--ca-passphrase-file <file>", "passphrase of the CA key (else $HUTONG_CA_PASSPHRASE)")
    .action(function (this: Command) {
      const o = this.opts<{
        ca: string;
        cert?: string;
        serial?: string;
        reason: RevocationReason;
        caPassphraseFile?: string;
      }>();
      const ca = openCaDirectory(o.ca, caKeyPassphrase(o));
      let serialHex: string;
      if (o.cert !== undefined) {
        const [cert] = parseCertificatePem(readText(o.cert));
        if (cert === undefined) throw new CliError(`${o.cert} holds no certificate`);
        if (!verifyCertificateSignature(cert, ca.cert.publicKey))
          throw new CliError(`${o.cert} was not issued by ${o.ca}`);
        serialHex = cert.serialHex;
      } else if (o.serial !== undefined) {
        serialHex = normalizeSerialHex(o.serial);
        if (!ca.db.issued.some((r) => r.serialHex === serialHex))
          throw new CliError(`${o.ca} has no record of serial ${serialHex}`);
      } else {
        throw new CliError("give --cert FILE or --serial HEX");
      }
      if (ca.db.revoked.some((r) => r.serialHex === serialHex))
        throw new CliError(`serial ${serialHex} is already revoked`);
      const revocationDate = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      ca.db.revoked.push({ serialHex, revocationDate, reason: o.reason });
      ca.saveDb();
      emit(
        this,
        { serial: serialHex, reason: o.reason, revocationDate },
        `revoked serial ${serialHex} (${o.reason}); run \`hutong-certs crl\` to publish`,
      );
    });
}
