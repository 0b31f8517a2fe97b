import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { generateSm2PrivateKey } from "../../crypto/sm2-key.js";
import { decodeSm2PrivateKeyPem, encodeSm2PrivateKeyPem } from "../../crypto/sm2-key-codec.js";
import { parsePartyId } from "../../party/party-id.js";
import { createCsr, csrToPem } from "../../x509/csr.js";
import { readText, writeAtomic, writeSecret } from "../support/files.js";
import { emit } from "../support/output.js";
import { newKeyPassphrase } from "../support/passphrase.js";

export function registerCsr(program: Command): void {
  program
    .command("csr")
    .description("make a key (or use --key) and a PKCS#10 request for a party: DIR/key.pem, DIR/csr.pem")
    .requiredOption("--party <party>", "party id the request is for")
    .requiredOption("--out <dir>", "output directory")
    .option("--key <file>", "use this existing private key instead of generating one")
    .option("--name <cn>", "common name (default: the party id)")
    .addOption(
      new Option("--usage <usage>", "extended key usage to request")
        .choices(["server", "client", "both"])
        .default("both"),
    )
    .option("--passphrase-file <file>", "passphrase of --key, or to encrypt the new key.pem")
    .option("--passphrase-env <var>", "same, from this environment variable")
    .action(function (this: Command) {
      const o = this.opts<{
        party: string;
        out: string;
        key?: string;
        name?: string;
        usage: string;
        passphraseFile?: string;
        passphraseEnv?: string;
      }>();
      const party = parsePartyId(o.party).text;
      const passphrase = newKeyPassphrase(o);
      const key = o.key ? decodeSm2PrivateKeyPem(readText(o.key), passphrase) : generateSm2PrivateKey();
      const csr = createCsr({
        subject: { commonName: o.name ?? party, organization: "hutong federation", country: "CN" },
        privateKey: key,
        partyId: party,
        extKeyUsage:
          o.usage === "both" ? ["serverAuth", "clientAuth"] : o.usage === "server" ? ["serverAuth"] : ["clientAuth"],
      });
      mkdirSync(o.out, { recursive: true });
      const keyFile = join(o.out, "key.pem");
      if (!o.key) writeSecret(keyFile, encodeSm2PrivateKeyPem(key, passphrase));
      writeAtomic(join(o.out, "csr.pem"), csrToPem(csr));
      emit(
        this,
        { out: o.out, partyId: party, key: !o.key && existsSync(keyFile) },
        `request for ${party} written to ${join(o.out, "csr.pem")}`,
      );
    });
}
