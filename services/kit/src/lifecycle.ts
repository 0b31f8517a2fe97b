import { type Lifecycle, lifecycleStateNames } from "@hutong/proto";

// The one interpreter of the lifecycles the contract declares ((hutong.v1.transition) on an enum
// of event kinds, generated into proto/gen/lifecycles.ts). Pure; each service turns a refusal
// into its own error.

/** A record's position on each axis of its lifecycle: axis (the field, as ts-proto names it) -> enum number. */
export type LifecycleState = Readonly<Record<string, number>>;

export type TransitionOutcome =
  | { readonly ok: true; readonly state: LifecycleState }
  | { readonly ok: false; readonly code: "invalid-transition" | "unknown-event-kind"; readonly reason: string };

const stateName = (axis: string, value: number | undefined): string =>
  value === undefined ? "unset" : (lifecycleStateNames.get(`${axis}:${value}`) ?? String(value));

/** The record's state on the axes its lifecycle names, read from the record itself. */
export function stateOf(lifecycle: Lifecycle, record: object): LifecycleState {
  const axes = new Set<string>();
  for (const t of lifecycle.kinds.values()) for (const c of t.changes) axes.add(c.axis);
  const fields = record as Readonly<Record<string, unknown>>;
  return Object.fromEntries([...axes].map((axis) => [axis, typeof fields[axis] === "number" ? fields[axis] : 0]));
}

/**
 * The state an event of `kind` leaves its record in, from `current` (undefined: the record does not
 * exist yet). The contract's table is the only rule: a kind that creates its record needs none to
 * exist; any other needs one, in one of the `from` states on every axis that names some. A refusal
 * names the states.
 */
export function applyTransition(
  lifecycle: Lifecycle,
  kind: number,
  current: LifecycleState | undefined,
): TransitionOutcome {
  const t = lifecycle.kinds.get(kind);
  if (t === undefined) {
    return { ok: false, code: "unknown-event-kind", reason: `event kind ${kind} is not in the lifecycle` };
  }
  const record = lifecycle.record;
  const refuse = (reason: string): TransitionOutcome => ({ ok: false, code: "invalid-transition", reason });
  if (t.creates && current !== undefined) return refuse(`${t.kind} creates the ${record}, which exists already`);
  if (!t.creates && current === undefined) return refuse(`${t.kind} needs an existing ${record}; there is none`);
  const next: Record<string, number> = { ...current };
  for (const c of t.changes) {
    const now = current?.[c.axis];
    if (c.from.length > 0 && (now === undefined || !c.from.includes(now))) {
      const allowed = c.from.map((v) => stateName(c.axis, v)).join(" or ");
      return refuse(`${t.kind} needs the ${record}'s ${c.axis} to be ${allowed}; it is ${stateName(c.axis, now)}`);
    }
    if (c.to !== undefined) next[c.axis] = c.to;
  }
  return { ok: true, state: next };
}
