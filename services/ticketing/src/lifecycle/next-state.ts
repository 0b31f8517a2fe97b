import { type Lifecycle, lifecycleStateNames } from "@hutong/proto";
import { TicketingError } from "../ticketing-error.js";

/** A record's position on each axis of its lifecycle: axis (the field, as ts-proto names it) -> enum number. */
export type LifecycleState = Readonly<Record<string, number>>;

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
 * exist yet). Pure, and the contract's table is the only rule: a kind that creates its record needs
 * none to exist; any other needs one, in one of the `from` states on every axis that names some.
 * Throws TicketingError invalid-transition with a reason naming the states, or unknown-event-kind.
 */
export function nextState(lifecycle: Lifecycle, kind: number, current: LifecycleState | undefined): LifecycleState {
  const t = lifecycle.kinds.get(kind);
  if (t === undefined) throw new TicketingError("unknown-event-kind", `event kind ${kind} is not in the lifecycle`);
  const record = lifecycle.record;
  if (t.creates && current !== undefined) {
    throw new TicketingError("invalid-transition", `${t.kind} creates the ${record}, which exists already`);
  }
  if (!t.creates && current === undefined) {
    throw new TicketingError("invalid-transition", `${t.kind} needs an existing ${record}; there is none`);
  }
  const next: Record<string, number> = { ...current };
  for (const c of t.changes) {
    const now = current?.[c.axis];
    if (c.from.length > 0 && (now === undefined || !c.from.includes(now))) {
      const allowed = c.from.map((v) => stateName(c.axis, v)).join(" or ");
      throw new TicketingError(
        "invalid-transition",
        `${t.kind} needs the ${record}'s ${c.axis} to be ${allowed}; it is ${stateName(c.axis, now)}`,
      );
    }
    if (c.to !== undefined) next[c.axis] = c.to;
  }
  return next;
}
