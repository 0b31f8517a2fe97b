import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Test support: run the `openssl` CLI and temp directories that clean up after themselves. */
export interface OpensslResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function openssl(args: readonly string[], input?: Uint8Array | string): OpensslResult {
  const r = spawnSync("openssl", args, { input, encoding: "buffer" });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout.toString("latin1"), stderr: r.stderr.toString("utf8") };
}

/** Like openssl(), but throws with OpenSSL's stderr when it exits non-zero. */
export function opensslOk(args: readonly string[], input?: Uint8Array | string): string {
  const r = openssl(args, input);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface TempDir {
  readonly path: string;
  file(name: string, content?: string | Uint8Array): string;
  [Symbol.dispose](): void;
}

export function tempDir(prefix = "hutong-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name, content) {
      const p = join(path, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}
