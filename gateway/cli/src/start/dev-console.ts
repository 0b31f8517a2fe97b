import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatVerifierKey } from "@hutong/audit";
import { parseCertificatePem } from "@hutong/certs";
import { addAccount, parseConsoleConfig, type RunningConsole, startConsole } from "@hutong/console";
import { type DevEnvironment, devDefaults } from "@hutong/gateway/dev";

/**
 * `hutong start --dev`'s web console (`@hutong/console`) in front of the development gateway, as
 * its own party (prov:510000/console, which the development config's ACL admits). First run: an
 * `admin` account (ministry role) with a random password kept in <data-dir>/console/admin-password
 * (mode 0600), never printed.
 */
export async function startDevConsole(
  dev: DevEnvironment,
  gateway: { readonly party: string; readonly address: string; readonly auditOrigin: string },
  port: number,
): Promise<{ running: RunningConsole; passwordFile: string }> {
  const dir = join(dev.dataDir, "console");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const accountsFile = join(dir, "accounts.yaml");
  const passwordFile = join(dir, "admin-password");
  if (!existsSync(accountsFile)) {
    const password = randomBytes(12).toString("base64url");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await addAccount(accountsFile, { username: "admin", displayName: "管理员", role: "ministry", password });
  }
  const gatewayFiles = dev.pki.party(devDefaults.party);
  const leaf = parseCertificatePem(await readFile(gatewayFiles.chain, "utf8"))[0];
  const files = dev.pki.party(devDefaults.console);
  const config = parseConsoleConfig(
    {
      listen: { host: devDefaults.host, port },
      party: devDefaults.console,
      identity: { chain: files.chain, key: files.key },
      trust: { anchors: [dev.pki.rootCert], crls: [...dev.pki.crls] },
      gateways: [
        {
          party: gateway.party,
          displayName: "四川省",
          address: gateway.address,
          ...(leaf === undefined ? {} : { logKey: formatVerifierKey(gateway.auditOrigin, leaf.publicKey) }),
        },
      ],
      subjectKeyFile: await dev.pki.subjectKeyFile(),
      accountsFile,
    },
    dir,
  );
  return { running: await startConsole(config), passwordFile };
}
