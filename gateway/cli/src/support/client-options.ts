import { isCertsError } from "@hutong/certs";
import {
  type ClientProfile,
  createCrlFileSource,
  type HutongClientOptions,
  isClientError,
  loadCredentialFiles,
  readClientProfile,
} from "@hutong/client";
import { UsageError } from "./usage-error.js";

/** What a command needs to call a gateway, from its flags or a profile, already checked. */
export interface ClientSettings extends ClientProfile {
  /** Only the NAME of the environment variable holding the key's passphrase. */
  readonly passphraseEnv?: string | undefined;
}

/** A client profile (docs/session-protocol.md §11), checked; a bad one is a usage error (exit 2). */
export async function profileOf(file: string): Promise<ClientProfile> {
  try {
    return await readClientProfile(file);
  } catch (e) {
    if (isClientError(e)) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The SDK options for those settings: credentials loaded, CRL files re-read every minute (the
 * handshake needs current ones; a long export may handshake again). A file that cannot be read or
 * used is a usage error naming it, not a stack trace.
 */
export async function clientOptions(s: ClientSettings): Promise<HutongClientOptions> {
  let creds: Awaited<ReturnType<typeof loadCredentialFiles>>;
  try {
    creds = await loadCredentialFiles({
      chain: s.chain,
      key: s.key,
      ...(s.passphraseEnv === undefined ? {} : { passphrase: process.env[s.passphraseEnv] ?? "" }),
      anchors: s.trust,
      crls: s.crl,
    });
  } catch (e) {
    const errno = e as NodeJS.ErrnoException;
    if (typeof errno.code === "string" && typeof errno.path === "string") {
      throw new UsageError(`cannot read ${errno.path} (${errno.code})`);
    }
    if (isClientError(e) || isCertsError(e)) throw new UsageError(`credentials: ${e.message}`);
    throw e;
  }
  const crls = createCrlFileSource(s.crl, { initial: creds.crls, refreshMs: 60_000 });
  return {
    address: s.address,
    gatewayParty: s.gateway,
    privateKey: creds.privateKey,
    chain: creds.chain,
    trust: creds.trust,
    crls: crls.current,
  };
}

/** The connection flags every command that calls a gateway takes (`hutong call`'s). */
export interface ConnectionFlags {
  readonly profile?: string | undefined;
  readonly address?: string | undefined;
  readonly gateway?: string | undefined;
  readonly chain?: string | undefined;
  readonly key?: string | undefined;
  readonly passphraseEnv?: string | undefined;
  readonly trust: readonly string[];
  readonly crl: readonly string[];
}

/**
 * The settings the flags give, each flag over the profile's value; a missing one is a usage error
 * (exit 2) before any file is read or byte sent.
 */
export async function connectionSettings(flags: ConnectionFlags): Promise<ClientSettings> {
  const profile: Partial<ClientProfile> = flags.profile === undefined ? {} : await profileOf(flags.profile);
  const address = flags.address ?? profile.address;
  const gateway = flags.gateway ?? profile.gateway;
  const chain = flags.chain ?? profile.chain;
  const key = flags.key ?? profile.key;
  const trust = flags.trust.length > 0 ? flags.trust : (profile.trust ?? []);
  const crl = flags.crl.length > 0 ? flags.crl : (profile.crl ?? []);
  if (address === undefined || gateway === undefined || chain === undefined || key === undefined) {
    throw new UsageError("need --address, --gateway, --chain and --key (or --profile) to reach your gateway");
  }
  if (trust.length === 0) throw new UsageError("need at least one --trust anchor");
  if (crl.length === 0) throw new UsageError("need at least one --crl: revocation is required for the gateway's chain");
  return { address, gateway, chain, key, trust, crl, passphraseEnv: flags.passphraseEnv };
}
