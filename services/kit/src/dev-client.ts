import { createCrlFileSource, createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import type { DevPki } from "@hutong/gateway/dev";

/**
 * A client for one of the federation's systems, with its development certificate, connected to a
 * gateway on loopback. Its close() also stops re-reading the CRLs.
 */
export async function devClient(
  pki: DevPki,
  system: string,
  gatewayPort: number,
  gatewayParty: string,
): Promise<HutongClient> {
  const creds = await loadCredentialFiles({ ...pki.party(system), anchors: [pki.rootCert], crls: pki.crls });
  const crls = createCrlFileSource(pki.crls, { initial: creds.crls, refreshMs: 60_000 });
  const client = createHutongClient({
    address: `127.0.0.1:${gatewayPort}`,
    gatewayParty,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: crls.current,
  });
  return {
    ...client,
    close() {
      client.close();
      crls.close();
    },
  };
}
