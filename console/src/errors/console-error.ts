import { CodedError, codedErrorGuard } from "@hutong/errors";

/** The console's closed error codes; http/api-error.ts maps each to one HTTP status. */
export const consoleErrorCodes = [
  "unauthenticated",
  "forbidden",
  "invalid-argument",
  "not-found",
  "unavailable",
  "too-many-attempts",
  "invalid-config",
] as const;
export type ConsoleErrorCode = (typeof consoleErrorCodes)[number];

/** Messages are shown to the signed-in user: never an ID number, a password or a session token. */
export class ConsoleError extends CodedError<"console", ConsoleErrorCode> {
  constructor(code: ConsoleErrorCode, message: string, options?: { cause?: unknown }) {
    super("console", code, message, options);
    this.name = "ConsoleError";
  }
}

export const isConsoleError = codedErrorGuard(ConsoleError);
