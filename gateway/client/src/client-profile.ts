import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isValidPartyId } from "@hutong/certs";
import { ClientError } from "./client-error.js";

/**
 * A client profile: where a system's gateway is and which files hold its credentials, trust
 * anchors and CRLs (docs/session-protocol.md §11). `npm start` writes one for its development
 * client; `hutong call --profile` and `hutong audit ... --profile` read it, `hutong annotation
 * verify --profile` its trust anchors and CRLs.
 */
export interface ClientProfile {
  /** The gateway, "host:port" ("[v6]:port" for an IPv6 literal). */
  readonly address: string;
  /** The gateway's party id, which its certificate must carry. */
  readonly gateway: string;
  /** PEM file: this system's certificate chain, leaf first. Absolute once read. */
  readonly chain: string;
  /** PEM file: this system's SM2 private key (PKCS#8, encrypted or not). */
  readonly key: string;
  /** PEM files of trust anchors (the federation root), at least one. */
  readonly trust: readonly string[];
  /** PEM files of CRLs, at least one: revocation is required for the gateway's chain. */
  readonly crl: readonly string[];
}

const fields = ["address", "gateway", "chain", "key", "trust", "crl"] as const;
const addressRe = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

/**
 * Checks a parsed profile and resolves its relative paths against `baseDir` (the profile file's
 * directory, so a profile and its files can move together). Every problem is named by its field.
 */
export function parseClientProfile(json: unknown, baseDir: string, what = "client profile"): ClientProfile {
  const fail = (problems: readonly string[]): never => {
    throw new ClientError("invalid-profile", `${what}: ${problems.join("; ")}`);
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) return fail(["expected a JSON object"]);
  const o = json as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(o)) {
    if (!(fields as readonly string[]).includes(key))
      problems.push(`unknown field "${key}" (fields: ${fields.join(", ")})`);
  }
  const text = (name: (typeof fields)[number]): string => {
    const v = o[name];
    if (v === undefined) problems.push(`${name} is missing`);
    else if (typeof v !== "string" || v === "") problems.push(`${name} must be a non-empty string`);
    return typeof v === "string" ? v : "";
  };
  const paths = (name: "trust" | "crl"): string[] => {
    const v = o[name];
    if (v === undefined) problems.push(`${name} is missing`);
    else if (!Array.isArray(v) || v.length === 0) problems.push(`${name} must be a non-empty array of file paths`);
    else {
      v.forEach((p, i) => {
        if (typeof p !== "string" || p === "") problems.push(`${name}[${i}] must be a non-empty string`);
      });
    }
    return Array.isArray(v) ? v.filter((p): p is string => typeof p === "string") : [];
  };
  const address = text("address");
  const gateway = text("gateway");
  const chain = text("chain");
  const key = text("key");
  const trust = paths("trust");
  const crl = paths("crl");
  const port = addressRe.exec(address)?.[1];
  if (address !== "" && (port === undefined || Number(port) < 1 || Number(port) > 65_535)) {
    problems.push(`address "${address}" must be host:port with a port 1-65535`);
  }
  if (gateway !== "" && !isValidPartyId(gateway)) problems.push(`gateway "${gateway}" is not a party id`);
  if (problems.length > 0) fail(problems);
  const at = (p: string) => resolve(baseDir, p);
  return { address, gateway, chain: at(chain), key: at(key), trust: trust.map(at), crl: crl.map(at) };
}

/** Reads and checks a profile file; relative paths in it are relative to the file's directory. */
export async function readClientProfile(file: string): Promise<ClientProfile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "error";
    throw new ClientError("invalid-profile", `client profile ${file}: cannot read it (${code})`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ClientError("invalid-profile", `client profile ${file}: not JSON (${(cause as Error).message})`, {
      cause,
    });
  }
  return parseClientProfile(json, dirname(resolve(file)), `client profile ${file}`);
}
