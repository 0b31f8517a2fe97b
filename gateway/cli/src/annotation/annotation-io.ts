/**
 * Where `hutong annotation` reads and writes: the process by default; tests run the command
 * in-process with their own.
 */
export interface AnnotationCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** The exit status once the command returns: 0 valid, 1 invalid. */
  exitCode(code: number): void;
}

export const processIo: AnnotationCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exitCode(code) {
    process.exitCode = code;
  },
};
