import type { Command } from "commander";
import { decodePemBlocks } from "../../asn1/pem.js";
import { parseCertificate } from "../../x509/certificate.js";
import { parseCrl } from "../../x509/crl.js";
import { parseCsr } from "../../x509/csr.js";
import { CliError } from "../support/cli-error.js";
import { certificateView, crlView, csrView, renderText } from "../support/describe.js";
import { readText } from "../support/files.js";

function viewOf(label: string, der: Uint8Array): Record<string, unknown> {
  switch (label) {
    case "CERTIFICATE":
      return certificateView(parseCertificate(der));
    case "CERTIFICATE REQUEST":
    case "NEW CERTIFICATE REQUEST":
      return csrView(parseCsr(der));
    case "X509 CRL":
      return crlView(parseCrl(der));
    default:
      throw new CliError(`cannot show a PEM block labelled "${label}"`);
  }
}

export function registerShow(program: Command): void {
  program
    .command("show")
    .description("print a certificate, CSR or CRL (PEM; every block in the file)")
    .argument("<file>")
    .action(function (this: Command, file: string) {
      const blocks = decodePemBlocks(readText(file)).filter((b) => !b.label.includes("PRIVATE KEY"));
      if (blocks.length === 0) throw new CliError(`${file} holds no certificate, CSR or CRL`);
      const views = blocks.map((b) => viewOf(b.label, b.der));
      if (this.optsWithGlobals<{ json?: boolean }>().json)
        console.log(JSON.stringify(views.length === 1 ? views[0] : views));
      else console.log(views.map((v) => renderText(v)).join("\n\n"));
    });
}
