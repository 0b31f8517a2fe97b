/**
 * Where `hutong report` writes, and its exit status: the process by default; tests run the
 * command in-process with their own (as the audit and outbox commands).
 */
export interface ReportCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** 0, or 1 when a query was refused or failed (usage errors throw: exit 2). */
  exitCode(code: number): void;
}

export const processIo: ReportCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exitCode(code) {
    process.exitCode = code;
  },
};
