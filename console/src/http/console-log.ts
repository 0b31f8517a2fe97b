/** The console's own log: facts without personal data (usernames, counts, gateway ids). */
export interface ConsoleLog {
  info(facts: Record<string, unknown>): void;
  error(message: string, cause: unknown): void;
}

export const stderrConsoleLog: ConsoleLog = {
  info: (facts) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...facts })}\n`),
  error: (message, cause) =>
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), error: message, cause: cause instanceof Error ? cause.name : "error" })}\n`,
    ),
};

export const silentConsoleLog: ConsoleLog = { info: () => {}, error: () => {} };
