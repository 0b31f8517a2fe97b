import { CodedError } from "@hutong/errors";

/** A mistake in how the command was invoked: exit status 2, message without a stack. */
export class UsageError extends CodedError<"cli", "usage"> {
  constructor(message: string) {
    super("cli", "usage", message);
    this.name = "UsageError";
  }
}
