import { useEffect, useState } from "preact/hooks";
import type { ViewName } from "../../src/api/api-types.js";

// Hash routing (#/audit): the built page is one static file the backend serves at /, so every
// view's address works on reload without server-side routes. Nothing but the view name goes in
// the URL (never a search filter: an ID number must not end up in history).

export const viewOrder: readonly ViewName[] = ["federation", "audit", "grants", "my-data", "delivery", "indicators"];

function readRoute(): string {
  return window.location.hash.replace(/^#\/?/, "").split("?")[0] ?? "";
}

const listeners = new Set<(route: string) => void>();

export function useHashRoute(): string {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const onChange = () => setRoute(readRoute());
    window.addEventListener("hashchange", onChange);
    listeners.add(setRoute);
    return () => {
      window.removeEventListener("hashchange", onChange);
      listeners.delete(setRoute);
    };
  }, []);
  return route;
}

export function hrefOf(view: ViewName): string {
  return `#/${view}`;
}

/**
 * Goes to a view. The route changes at once, not on the later `hashchange` task, so the view is
 * drawn before the click that asked for it returns (no moment showing the old view).
 */
export function navigate(view: ViewName): void {
  if (readRoute() !== view) window.location.hash = `/${view}`;
  for (const l of listeners) l(view);
}
