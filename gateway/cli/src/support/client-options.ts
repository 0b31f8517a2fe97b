import type { HutongClientOptions } from "@hutong/client";
import { createCrlFileSource, loadCredentialFiles } from "@hutong/client";

/** What a command needs to call a gateway, from its flags or a profile, already checked. */
export interface ClientSettings {
  readonly address: string;
  readonly gateway: string;
  readonly chain: string;
  readonly key: string;
  readonly trust: readonly string[];
  readonly crl: readonly string[];
  /** Only the NAME of the environment variable holding the key's passphrase. */
  readonly passphraseEnv?: string | undefined;
}

/** The SDK options for those settings: credentials loaded, CRLs as given (no refresh). */
export async function clientOptions(s: ClientSettings): Promise<HutongClientOptions> {
  const creds = await loadCredentialFiles({
    chain: s.chain,
    key: s.key,
    ...(s.passphraseEnv === undefined ? {} : { passphrase: process.env[s.passphraseEnv] ?? "" }),
    anchors: s.trust,
    crls: s.crl,
  });
  const crls = createCrlFileSource([], { initial: creds.crls, refreshMs: 60_000 });
  return {
    address: s.address,
    gatewayParty: s.gateway,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: crls.current,
  };
}
