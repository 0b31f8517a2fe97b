import { CertsError } from "../error.js";
import { createJsBackend } from "./js-backend.js";
import { createNativeBackend, isNativeBackendAvailable } from "./native-backend.js";
import type { Sm2Backend, Sm2BackendName } from "./sm2-backend.js";

const cache = new Map<Sm2BackendName, Sm2Backend>();

/** A backend by name; throws CertsError("backend-unavailable") if it cannot load. */
export function getSm2Backend(name: Sm2BackendName): Sm2Backend {
  let backend = cache.get(name);
  if (backend === undefined) {
    backend = name === "native" ? createNativeBackend() : createJsBackend();
    cache.set(name, backend);
  }
  return backend;
}

let selected: Sm2Backend | undefined;

/**
 * The process-wide default backend, chosen once from HUTONG_SM2_BACKEND:
 * `native` (required: fail if the addon is missing), `js`, or `auto`/unset
 * (native when built, else js).
 */
export function defaultSm2Backend(): Sm2Backend {
  if (selected !== undefined) return selected;
  const wanted = process.env.HUTONG_SM2_BACKEND?.trim() || "auto";
  switch (wanted) {
    case "native":
    case "js":
      selected = getSm2Backend(wanted);
      break;
    case "auto":
      selected = getSm2Backend(isNativeBackendAvailable() ? "native" : "js");
      break;
    default:
      throw new CertsError("invalid-argument", `HUTONG_SM2_BACKEND must be native, js or auto, not "${wanted}"`);
  }
  return selected;
}
