/**
 * Where a command writes, and its exit status: the process by default; tests run the commands
 * in-process with their own (a child process per case would take seconds each). Commands that
 * need more (stdin, the environment, a clock) extend it.
 */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** The exit status once the command returns: 0, or 1 for a failed check or a refused call (usage errors throw: exit 2). */
  exitCode(code: number): void;
}

export const processCommandIo: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exitCode(code) {
    process.exitCode = code;
  },
};
