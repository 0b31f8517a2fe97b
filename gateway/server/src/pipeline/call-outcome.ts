import type { ExchangeContext } from "../routing/request-context.js";

/**
 * What the pipeline learnt about one call, for metrics and logs: filled in as the call goes, so
 * a refusal's log line says how far it got. One mutable record per call.
 */
export interface CallOutcome {
  readonly method: string;
  route: string;
  caller?: string;
  origin?: string;
  context?: ExchangeContext;
}
