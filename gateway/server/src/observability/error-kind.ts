import { isCodedError } from "@hutong/errors";

/**
 * A closed-ish name for what went wrong, to key rate-limited log lines on: a coded error's
 * `<domain>/<code>`, a Node system error's code (`ERR_HTTP2_…`, `ECONNRESET`), else the error's
 * class name. Never its message, which is free text.
 */
export function errorKind(error: unknown): string {
  if (isCodedError(error)) return `${error.domain}/${error.code}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(error.name) ? error.name : "Error";
    return typeof code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? `${name}/${code}` : name;
  }
  return typeof error;
}
