import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the gateway's configuration. Codes are a closed set;
 * `problems` holds one line per mistake ("routes[1].local: expected ...") so
 * an operator fixes them all in one pass, and the message repeats them.
 */
export const configErrorCodes = [
  /** The config file could not be read (missing, a directory, no permission). */
  "not-found",
  /** The file is not one well-formed YAML document. */
  "yaml-syntax",
  /** Well-formed YAML that does not satisfy the schema or the routing/ACL rules. */
  "invalid",
] as const;

export type ConfigErrorCode = (typeof configErrorCodes)[number];

export class ConfigError extends CodedError<"config", ConfigErrorCode> {
  readonly problems: readonly string[];

  constructor(
    code: ConfigErrorCode,
    summary: string,
    problems: readonly string[] = [],
    options?: { readonly cause?: unknown },
  ) {
    super(
      "config",
      code,
      problems.length === 0 ? summary : `${summary}:\n${problems.map((p) => `  ${p}`).join("\n")}`,
      options,
    );
    this.name = "ConfigError";
    this.problems = Object.freeze([...problems]);
  }
}

export const isConfigError = codedErrorGuard(ConfigError);
