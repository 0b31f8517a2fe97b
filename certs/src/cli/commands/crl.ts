import type { Command } from "commander";
import { createCrl, crlToPem } from "../../x509/crl.js";
import { openCaDirectory } from "../support/ca-directory.js";
import { writeAtomic } from "../support/files.js";
import { daysFromNow, emit, parseDays } from "../support/output.js";
import { caKeyPassphrase } from "../support/passphrase.js";

export function registerCrl(program: Command): void {
  program
    .command("crl")
    .description("sign a fresh CRL listing every certificate the CA has revoked")
    .requiredOption("--ca <dir>", "the CA's directory")
    .requiredOption("--out <file>", "where to write the CRL (PEM)")
    .option("--days <n>", "days until nextUpdate", parseDays, 7)
    .option("--ca-passphrase-file <file>", "passphrase of the CA key (else $HUTONG_CA_PASSPHRASE)")
    .action(function (this: Command) {
      const o = this.opts<{ ca: string; out: string; days: number; caPassphraseFile?: string }>();
      const ca = openCaDirectory(o.ca, caKeyPassphrase(o));
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const crl = createCrl({
        issuer: ca.cert,
        issuerKey: ca.key,
        thisUpdate: now,
        nextUpdate: daysFromNow(now, o.days),
        crlNumber: BigInt(ca.db.crlNumber),
        entries: ca.db.revoked.map((r) => ({
          serialHex: r.serialHex,
          revocationDate: new Date(r.revocationDate),
          reason: r.reason,
        })),
      });
      ca.db.crlNumber += 1;
      ca.saveDb();
      writeAtomic(o.out, crlToPem(crl));
      emit(
        this,
        {
          out: o.out,
          crlNumber: crl.crlNumber?.toString(),
          revoked: crl.entries.length,
          nextUpdate: crl.nextUpdate?.toISOString(),
        },
        `CRL #${crl.crlNumber} with ${crl.entries.length} revoked certificate(s) written to ${o.out}, next update ${crl.nextUpdate?.toISOString()}`,
      );
    });
}
