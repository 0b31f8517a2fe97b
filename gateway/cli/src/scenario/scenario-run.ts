// What every scenario script shares: its numeric options, its log on stderr (stdout carries only
// the verdict), and the random moments of its chaos, seeded so a failing run can be replayed.

/** `--name N` from the command line, or `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A line on stderr. */
export const say = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The chaos's own generator (not the workload's), from the run's seed. */
export function chaosRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return state / 4_294_967_296;
  };
}
