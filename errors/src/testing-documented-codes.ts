import { readFileSync } from "node:fs";

/**
 * The codes a doc lists for one error domain: the first column (`code`) of the table rows in the
 * section that starts at `heading` and runs to the next heading of the same or a higher level.
 * Each package has a spec comparing this with its code list, so code and doc cannot drift apart.
 */
export function documentedCodes(docPath: string, heading: string): string[] {
  const doc = readFileSync(docPath, "utf8");
  const start = doc.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`${docPath} has no heading ${JSON.stringify(heading)}`);
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const rest = doc.slice(start + heading.length + 1);
  const next = rest.search(new RegExp(`^#{1,${level}} `, "m"));
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^\| `([a-z0-9-]+)`\s*\|/gm)].map((m) => m[1] ?? "");
}
