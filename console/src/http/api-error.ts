import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiError } from "../api/api-types.js";
import { type ConsoleErrorCode, isConsoleError } from "../errors/console-error.js";

// The one place a console error becomes an HTTP answer. Anything that is not a ConsoleError is a
// bug or an outage: the page gets "internal" and the detail goes to the console's log only.

const statuses: Record<ConsoleErrorCode, ContentfulStatusCode> = {
  unauthenticated: 401,
  forbidden: 403,
  "invalid-argument": 400,
  "not-found": 404,
  unavailable: 503,
  "too-many-attempts": 429,
  "invalid-config": 500,
};

export function apiError(e: unknown): { status: ContentfulStatusCode; body: ApiError } {
  if (isConsoleError(e)) {
    const error = e.code === "invalid-config" ? "internal" : e.code;
    return {
      status: statuses[e.code],
      body: { error, message: e.code === "invalid-config" ? "internal error" : e.message },
    };
  }
  return { status: 500, body: { error: "internal", message: "internal error" } };
}
