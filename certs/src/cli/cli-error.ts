/** A usage or environment problem in the CLI (bad flag, missing file): exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}
