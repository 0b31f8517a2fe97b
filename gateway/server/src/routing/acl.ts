import { type PartyId, parsePartyId } from "@hutong/certs";
import { compileMethodPattern, type MethodPattern, matchesMethod } from "./method-pattern.js";
import { compilePartyPattern, matchesParty, type PartyPattern } from "./party-pattern.js";
import { explainPurposeName, isPurposeName } from "./purpose-names.js";
import { RoutingError } from "./routing-error.js";

export interface AclRule {
  /** Party patterns of the calling party. */
  readonly callers: readonly string[];
  /** Method patterns (method-pattern.ts). */
  readonly methods: readonly string[];
  /** Purpose enum names without prefix, e.g. "BOARDING_CHECK"; absent = any purpose. */
  readonly purposes?: readonly string[];
  /** Party patterns of the target party; absent = any target. */
  readonly targets?: readonly string[];
}

export interface AclRequest {
  readonly caller: string;
  /** "pkg.Service/Method": the gRPC path without its leading slash. */
  readonly method: string;
  /** A Purpose name without prefix, e.g. "BOARDING_CHECK". */
  readonly purpose: string;
  readonly target: string;
}

export type AclDecision =
  | { readonly allow: true; readonly rule: number }
  | { readonly allow: false; readonly reason: "no-matching-rule" };

export interface Acl {
  decide(request: AclRequest): AclDecision;
}

interface CompiledRule {
  readonly callers: readonly PartyPattern[];
  readonly methods: readonly MethodPattern[];
  readonly purposes: ReadonlySet<string> | undefined;
  readonly targets: readonly PartyPattern[] | undefined;
}

const denied: AclDecision = Object.freeze({ allow: false, reason: "no-matching-rule" });

function compileRule(rule: AclRule, index: number): CompiledRule {
  const where = (field: string) => `acl rule ${index} ${field}`;
  const nonEmpty = (list: readonly string[], field: string) => {
    if (list.length === 0) {
      throw new RoutingError(
        "invalid-rule",
        `${where(field)}: an empty list matches nothing; leave it out to mean any`,
      );
    }
  };
  const each = <T>(list: readonly string[], field: string, compile: (text: string) => T): T[] =>
    list.map((text, i) => {
      try {
        return compile(text);
      } catch (error) {
        if (error instanceof RoutingError) {
          throw new RoutingError(error.code, `${where(`${field}[${i}]`)}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    });
  nonEmpty(rule.callers, "callers");
  nonEmpty(rule.methods, "methods");
  if (rule.purposes !== undefined) nonEmpty(rule.purposes, "purposes");
  if (rule.targets !== undefined) nonEmpty(rule.targets, "targets");
  rule.purposes?.forEach((name, i) => {
    const why = explainPurposeName(name);
    if (why !== undefined) throw new RoutingError("invalid-rule", `${where(`purposes[${i}]`)}: ${why}`);
  });
  return {
    callers: each(rule.callers, "callers", compilePartyPattern),
    methods: each(rule.methods, "methods", compileMethodPattern),
    purposes: rule.purposes === undefined ? undefined : new Set(rule.purposes),
    targets: rule.targets === undefined ? undefined : each(rule.targets, "targets", compilePartyPattern),
  };
}

function parseOrUndefined(text: string): PartyId | undefined {
  try {
    return parsePartyId(text);
  } catch {
    return undefined;
  }
}

/**
 * Validates every pattern and purpose once (throws RoutingError), then
 * decides calls: deny by default; allowed by the first rule whose every
 * field matches. A caller or target that is not a valid party id, and a
 * purpose that is not a specified Purpose, are denied whatever the rules say.
 */
export function compileAcl(rules: readonly AclRule[]): Acl {
  const compiled = rules.map(compileRule);
  return {
    decide(request) {
      if (!isPurposeName(request.purpose)) return denied;
      const caller = parseOrUndefined(request.caller);
      const target = parseOrUndefined(request.target);
      if (caller === undefined || target === undefined) return denied;
      const index = compiled.findIndex(
        (rule) =>
          rule.callers.some((p) => matchesParty(p, caller)) &&
          rule.methods.some((p) => matchesMethod(p, request.method)) &&
          (rule.purposes === undefined || rule.purposes.has(request.purpose)) &&
          (rule.targets === undefined || rule.targets.some((p) => matchesParty(p, target))),
      );
      return index < 0 ? denied : { allow: true, rule: index };
    },
  };
}
