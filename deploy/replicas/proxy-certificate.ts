import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ProxyCertificate {
  /** Certificate and key in one PEM file, as HAProxy's `crt` takes them. */
  readonly pemPath: string;
  /** The certificate alone: what clients trust. */
  readonly certPem: Buffer;
  /** The same, as a file (a gateway's `peer.tls.caFile`). */
  readonly certPath: string;
  readonly serverName: string;
}

/**
 * The proxy's conventional TLS certificate (ECDSA P-256, self-signed, one day), made with the
 * openssl CLI. Identity between parties is the SM2 session above TLS; this only protects the hop
 * to the proxy, as a deployment's public certificate would.
 */
export async function makeProxyCertificate(dir: string, serverName = "gateway.hutong.test"): Promise<ProxyCertificate> {
  const key = join(dir, "proxy.key");
  const cert = join(dir, "proxy.crt");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      `/CN=${serverName}`,
      "-addext",
      `subjectAltName=DNS:${serverName}`,
      "-days",
      "1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  const certPem = await readFile(cert);
  const pemPath = join(dir, "proxy.pem");
  await writeFile(pemPath, Buffer.concat([certPem, await readFile(key)]), { mode: 0o600 });
  return { pemPath, certPem, certPath: cert, serverName };
}
