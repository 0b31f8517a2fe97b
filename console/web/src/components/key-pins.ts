import { useEffect, useState } from "preact/hooks";

// Log keys pinned in this browser, per gateway party. A pinned key is what the page verifies
// checkpoints and proofs with, instead of the key the console server sends: a compromised or
// misconfigured console can then no longer swap a log's key and its checkpoints together.
// Public keys only; nothing personal is stored.

const storageKey = "hutong.console.pinnedLogKeys";
type Pins = Readonly<Record<string, string>>;

function read(): Pins {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as Pins;
  } catch {
    return {};
  }
}

let pins: Pins = read();
const listeners = new Set<(p: Pins) => void>();

function write(next: Pins): void {
  pins = next;
  try {
    localStorage.setItem(storageKey, JSON.stringify(next));
  } catch {
    // Private mode: the pin lasts for this page only.
  }
  for (const l of listeners) l(next);
}

export function pinKey(gateway: string, vkey: string): void {
  write({ ...pins, [gateway]: vkey });
}

export function unpinKey(gateway: string): void {
  const { [gateway]: _, ...rest } = pins;
  write(rest);
}

export function pinnedKey(gateway: string): string | undefined {
  return pins[gateway];
}

/** The pins, re-rendering on change. */
export function useKeyPins(): Pins {
  const [value, setValue] = useState(pins);
  useEffect(() => {
    listeners.add(setValue);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}
