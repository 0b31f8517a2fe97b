import { Purpose } from "@hutong/proto";

const prefix = "PURPOSE_";

/**
 * The purposes a rule or a call may name: the contract's Purpose enum names
 * without the PURPOSE_ prefix ("BOARDING_CHECK"). UNSPECIFIED is left out:
 * a call that does not say why it wants data is never allowed.
 */
export const purposeNames: readonly string[] = Object.freeze(
  Object.keys(Purpose)
    .filter((key) => key.startsWith(prefix) && key !== "PURPOSE_UNSPECIFIED")
    .map((key) => key.slice(prefix.length)),
);

const purposeNameSet: ReadonlySet<string> = new Set(purposeNames);

export function isPurposeName(name: string): boolean {
  return purposeNameSet.has(name);
}

/** Why a name is not a purpose, for config messages; undefined if it is one. */
export function explainPurposeName(name: string): string | undefined {
  if (purposeNameSet.has(name)) return undefined;
  const bare = name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  if (bare !== undefined && purposeNameSet.has(bare)) return `write purpose "${bare}" without the ${prefix} prefix`;
  return `unknown purpose ${JSON.stringify(name.slice(0, 80))}; expected one of ${purposeNames.join(", ")}`;
}
