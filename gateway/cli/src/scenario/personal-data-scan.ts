import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where personal data stands in clear in a directory's files: every file below `dir` (databases,
 * their WAL, logs), except those under `skip` (the PKI), searched byte for byte for each needle
 * (ID numbers, phone numbers, names as UTF-8). Stores that must keep a ticket keep it sealed, so a
 * hit anywhere is a leak: an audit entry, a statistic, a log line, a column.
 */
export async function scanForPersonalData(
  dir: string,
  needles: ReadonlySet<string>,
  skip: readonly string[] = ["pki"],
): Promise<readonly { readonly file: string; readonly needle: string }[]> {
  const patterns = [...needles].filter((n) => n.length >= 2).map((n) => ({ n, bytes: Buffer.from(n, "utf8") }));
  const hits: { file: string; needle: string }[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const rel = path.slice(dir.length + 1);
    if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
    const bytes = await readFile(path);
    for (const p of patterns) if (bytes.includes(p.bytes)) hits.push({ file: rel, needle: p.n });
  }
  return hits;
}
