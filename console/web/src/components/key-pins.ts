import { useEffect, useState } from "preact/hooks";
import { type LogPin, type LogPins, type PinParse, parseLogPin, revalidatePin } from "../verify/log-pin.js";

// Log keys pinned in this browser, per gateway party. A proof or checkpoint counts as verified only
// under a pinned key (verify/trusted-proof.ts); under the key the console server sends, the page
// says "server key", never "verified": a compromised or misconfigured console can swap a log's key
// and its checkpoints together. A pin binds the party, the log's origin (the key's name) and the
// key. Public keys only; nothing personal is stored.

const storageKey = "hutong.console.pinnedLogKeys";

/** Reads the stored pins, keeping only those that re-parse (older `{party: vkey}` pins included). */
function read(): LogPins {
  const out = new Map<string, LogPin>();
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return out;
    const list: unknown[] = Array.isArray((parsed as { pins?: unknown }).pins)
      ? ((parsed as { pins: unknown[] }).pins as unknown[])
      : // The first format: an object of party → key, pinned from the server's key.
        Object.entries(parsed).map(([party, vkey]) => ({ party, vkey, source: "tofu" }));
    for (const value of list) {
      const pin = revalidatePin(value);
      if (pin !== undefined) out.set(pin.party, pin);
    }
  } catch {
    // Unreadable storage: no pins.
  }
  return out;
}

let pins: LogPins = read();
const listeners = new Set<(p: LogPins) => void>();

function publish(next: LogPins): void {
  pins = next;
  for (const l of listeners) l(next);
}

function write(next: LogPins): void {
  try {
    localStorage.setItem(storageKey, JSON.stringify({ version: 2, pins: [...next.values()] }));
  } catch {
    // Private mode: the pin lasts for this page only.
  }
  publish(next);
}

/** Pins `vkey` for `party` if it is a valid log key of that party's log; says why not otherwise. */
export function pinKey(party: string, vkey: string, source: LogPin["source"]): PinParse {
  const parsed = parseLogPin(party, vkey, source);
  if (parsed.ok) {
    const next = new Map(pins);
    next.set(party, parsed.pin);
    write(next);
  }
  return parsed;
}

export function unpinKey(party: string): void {
  if (!pins.has(party)) return;
  const next = new Map(pins);
  next.delete(party);
  write(next);
}

/** The pins now (a snapshot: later changes make a new map). */
export function currentPins(): LogPins {
  return pins;
}

/** The pins, re-rendering on change, here or in another tab. */
export function useKeyPins(): LogPins {
  const [value, setValue] = useState(pins);
  useEffect(() => {
    listeners.add(setValue);
    setValue(pins);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}

if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key === storageKey || e.key === null) publish(read());
  });
}
