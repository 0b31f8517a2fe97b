import { CodedError } from "@hutong/errors";

/** A usage or environment problem in the CLI (bad flag, missing file): exit status 2. */
export class CliError extends CodedError<"certs-cli", "usage"> {
  constructor(message: string) {
    super("certs-cli", "usage", message);
    this.name = "CliError";
  }
}
