import { AuditServiceService } from "@hutong/proto";
import { trace } from "@opentelemetry/api";
import type { AuditMethod } from "../../endpoints/audit-endpoint.js";
import { extractTraceContext } from "../../observability/trace-context.js";
import type { CallAuthorizer } from "../../pipeline/call-authorizer.js";
import type { CallOutcome } from "../../pipeline/call-outcome.js";
import type { IncomingRequest, SessionMethods } from "../../pipeline/session-methods.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/**
 * Queries, exports and inclusion proofs (which carry the entry) reveal who received whose data: the
 * ACL decides, for the purpose REGULATORY_SUPERVISION (what reading an audit log is) and this
 * gateway as the target. Checkpoints, consistency proofs and AddCheckpoint: any member, as a
 * transparency log's are public to its federation.
 */
const aclGuarded: ReadonlySet<string> = new Set([
  AuditServiceService.queryEntries.path,
  AuditServiceService.exportEntries.path,
  // It returns the entry itself: without the ACL, looping over indices would dump the log.
  AuditServiceService.proveInclusion.path,
]);

/** AuditService, answered by this gateway about its own log. */
export function* auditRoutes(options: {
  readonly self: string;
  readonly endpoint: ReadonlyMap<string, AuditMethod>;
  readonly authorizer: CallAuthorizer;
  readonly session: SessionMethods;
  readonly observer: CallObserver;
}): RouteList {
  const context = { targetParty: options.self, purpose: "REGULATORY_SUPERVISION", grantId: "", correlationId: "" };
  const admit = (path: string, request: IncomingRequest, outcome: CallOutcome) =>
    aclGuarded.has(path)
      ? options.authorizer.authorize(request, outcome, context)
      : options.authorizer.authenticate(request, outcome, context);

  for (const [path, method] of options.endpoint) {
    const name = path.slice(1);
    if (method.kind === "unary") {
      yield [
        path,
        {
          kind: "unary",
          handler: options.observer.unary(name, async (call, outcome) => {
            const { verified, origin, hops, request } = await admit(path, call, outcome);
            // The session facts an audited search records (share/subject-search-entry.ts).
            const body = await method.answer(Buffer.from(request), {
              party: origin,
              peer: { party: verified.clientParty, certSerial: verified.certSerialHex },
              hops,
              traceId: trace.getSpanContext(extractTraceContext(call.metadata))?.traceId ?? "",
            });
            return options.session.reply(verified, body);
          }),
        },
      ];
      continue;
    }
    yield [
      path,
      {
        kind: "stream",
        handler: async (call) => {
          const outcome: CallOutcome = { method: name, route: "-" };
          let origin = "";
          try {
            return await options.session.serveStream(
              call,
              async (request) => {
                const admitted = await admit(path, request, outcome);
                origin = admitted.origin;
                return admitted.verified;
              },
              (request, _verified, sink) => method.answer(request, { party: origin }, sink),
            );
          } catch (e) {
            throw options.observer.failed(name, e).wire;
          }
        },
      },
    ];
  }
}
