import { createInterface } from "node:readline";
import { UsageError } from "../support/usage-error.js";

/** The first `n` lines of standard input (a secret piped or typed in, never echoed back). */
export async function readStdinLines(n: number, input: NodeJS.ReadableStream = process.stdin): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length === n) break;
  }
  rl.close();
  if (lines.length < n) throw new UsageError(`expected ${n} line(s) on standard input`);
  return lines;
}
