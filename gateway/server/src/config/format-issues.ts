import type { z } from "zod";

type Path = readonly PropertyKey[];

/** "routes[1].peer.party"; "(top level)" for the document itself. */
export function formatConfigPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** A value as an operator wrote it in YAML, short. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return String(value);
}

const typeNames: Readonly<Record<string, string>> = {
  object: "a mapping",
  array: "a list",
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

function bound(issue: { origin: string; inclusive?: boolean }, limit: unknown, below: boolean): string {
  const op = below ? (issue.inclusive === false ? ">" : ">=") : issue.inclusive === false ? "<" : "<=";
  switch (issue.origin) {
    case "array":
      return below ? `needs at least ${limit} entr${limit === 1 ? "y" : "ies"}` : `has more than ${limit} entries`;
    case "string":
      return below
        ? limit === 1
          ? "must not be empty"
          : `needs at least ${limit} characters`
        : `is longer than ${limit} characters`;
    default:
      return `must be ${op} ${limit}`;
  }
}

/**
 * One readable line per zod issue, "path: what is wrong", in the order zod
 * found them. Parse with { reportInput: true } so lines can say what was
 * written; unknown keys get a line each, under their own path.
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = formatConfigPath(issue.path);
    const got = "input" in issue && issue.input !== undefined ? `, got ${describe(issue.input)}` : "";
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) lines.push(`${formatConfigPath([...issue.path, key])}: unknown key`);
        break;
      case "invalid_type": {
        // zod reports NaN and Infinity (YAML .nan, .inf) with input null and the truth in `received`.
        const received = (issue as { received?: unknown }).received;
        const what = typeof received === "string" ? `, got ${received}` : got;
        if (issue.input === undefined && received === undefined) lines.push(`${at}: required`);
        else lines.push(`${at}: expected ${typeNames[issue.expected] ?? issue.expected}${what}`);
        break;
      }
      case "too_small":
      case "too_big": {
        const sized = issue.origin === "array" || issue.origin === "string";
        const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
        lines.push(`${at}: ${bound(issue, limit, issue.code === "too_small")}${sized ? "" : got}`);
        break;
      }
      case "invalid_value":
        lines.push(`${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${got}`);
        break;
      default:
        lines.push(`${at}: ${issue.message}`);
    }
  }
  return lines;
}
