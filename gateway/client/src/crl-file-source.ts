import type { Crl } from "@hutong/certs";
import { readCrlFiles } from "./credential-files.js";

export interface CrlSource {
  /** The CRLs as last read successfully. Path validation checks their signatures and freshness. */
  current(): readonly Crl[];
  /**
   * Re-reads the files now; on failure keeps the previous set and rethrows. Given `paths`, reads
   * those instead from now on (a reloaded configuration's list), but only once they have all read.
   */
  refresh(paths?: readonly string[]): Promise<void>;
  close(): void;
}

/**
 * CRLs re-read from files on a schedule, so a certificate revoked mid-session
 * stops working at the next call after the operator publishes the CRL. A file
 * that fails to read or parse keeps the last good set: an expired set then
 * fails closed in path validation (revocation is required), never open.
 */
export function createCrlFileSource(
  initialPaths: readonly string[],
  options: { readonly initial: readonly Crl[]; readonly refreshMs: number; readonly onError?: (e: unknown) => void },
): CrlSource {
  let paths = initialPaths;
  let crls = options.initial;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const refresh = async (next?: readonly string[]) => {
    const read = await readCrlFiles(next ?? paths);
    if (next !== undefined) paths = next;
    crls = read;
    schedule();
  };
  // No timer while there is nothing to read.
  function schedule(): void {
    if (closed || timer !== undefined || paths.length === 0) return;
    timer = setInterval(() => {
      refresh().catch((e: unknown) => options.onError?.(e));
    }, options.refreshMs);
    timer.unref();
  }
  schedule();
  return {
    current: () => crls,
    refresh,
    close: () => {
      closed = true;
      clearInterval(timer);
    },
  };
}
