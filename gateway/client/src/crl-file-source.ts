import type { Crl } from "@hutong/certs";
import { readCrlFiles } from "./credential-files.js";

export interface CrlSource {
  /** The CRLs as last read successfully. Path validation checks their signatures and freshness. */
  current(): readonly Crl[];
  /** Re-reads the files now; on failure keeps the previous set and rethrows. */
  refresh(): Promise<void>;
  close(): void;
}

/**
 * CRLs re-read from files on a schedule, so a certificate revoked mid-session
 * stops working at the next call after the operator publishes the CRL. A file
 * that fails to read or parse keeps the last good set: an expired set then
 * fails closed in path validation (revocation is required), never open.
 */
export function createCrlFileSource(
  paths: readonly string[],
  options: { readonly initial: readonly Crl[]; readonly refreshMs: number; readonly onError?: (e: unknown) => void },
): CrlSource {
  let crls = options.initial;
  const refresh = async () => {
    crls = await readCrlFiles(paths);
  };
  const timer =
    paths.length === 0
      ? undefined
      : setInterval(() => {
          refresh().catch((e: unknown) => options.onError?.(e));
        }, options.refreshMs);
  timer?.unref();
  return {
    current: () => crls,
    refresh,
    close: () => clearInterval(timer),
  };
}
