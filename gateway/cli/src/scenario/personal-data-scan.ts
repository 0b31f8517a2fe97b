import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where personal data stands in clear in a directory's files: every file below `dir` (databases,
 * their WAL, logs), except those under `skip` (the PKI), searched for each needle (ID numbers,
 * phone numbers, names as UTF-8). Stores that must keep a ticket keep it sealed, so a hit
 * anywhere is a leak: an audit entry, a statistic, a log line, a column.
 *
 * Tens of thousands of needles over hundreds of megabytes: rather than one pass per needle, each
 * file is read once for its runs of digits and letters (ASCII) and of CJK characters (UTF-8),
 * and every window of a needle's length in a run is looked up in a set.
 */
export async function scanForPersonalData(
  dir: string,
  needles: ReadonlySet<string>,
  skip: readonly string[] = ["pki"],
): Promise<readonly { readonly file: string; readonly needle: string }[]> {
  const wanted = new Set([...needles].filter((n) => n.length >= 2));
  const lengths = [...new Set([...wanted].map((n) => [...n].length))];
  const hits: { file: string; needle: string }[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const rel = path.slice(dir.length + 1);
    if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
    const bytes = await readFile(path);
    const found = new Set<string>();
    const look = (run: string) => {
      const chars = [...run];
      for (const n of lengths) {
        for (let i = 0; i + n <= chars.length; i++) {
          const w = chars.slice(i, i + n).join("");
          if (wanted.has(w)) found.add(w);
        }
      }
    };
    for (const m of bytes.toString("latin1").matchAll(/[0-9A-Za-z]{2,}/g)) look(m[0]);
    for (const m of bytes.toString("utf8").matchAll(/[\u3400-\u9fff]{2,}/g)) look(m[0]);
    for (const needle of found) hits.push({ file: rel, needle });
  }
  return hits;
}
