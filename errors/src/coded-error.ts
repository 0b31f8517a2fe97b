/**
 * The one error shape of every hutong package (after sigstore-js's BaseError and connect-es's
 * ConnectError): `domain` names the package or subsystem that raised it, `code` is one of that
 * domain's closed, documented list, `message` is for operators' logs, `cause` keeps the underlying
 * error. Callers switch on `code`, never on message text. What a partner is told is decided in one
 * place (the gateway's status mapping), never taken from an error's message by default.
 */
export class CodedError<D extends string = string, C extends string = string> extends Error {
  readonly domain: D;
  readonly code: C;

  constructor(domain: D, code: C, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.domain = domain;
    this.code = code;
  }
}

export function isCodedError(value: unknown): value is CodedError {
  return value instanceof CodedError;
}

// biome-ignore lint/suspicious/noExplicitAny: a constructor of any arity
type ErrorClass<E extends CodedError> = abstract new (...args: any[]) => E;

/**
 * The guard every package exports with its error class: `isSessionError(e)`, or
 * `isSessionError(e, "replay")` for one code.
 */
export function codedErrorGuard<E extends CodedError>(
  errorClass: ErrorClass<E>,
): (value: unknown, code?: E["code"]) => value is E {
  return (value: unknown, code?: E["code"]): value is E =>
    value instanceof errorClass && (code === undefined || value.code === code);
}
