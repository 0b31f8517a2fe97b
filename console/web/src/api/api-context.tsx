import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import type { ConsoleApi } from "./console-api.js";

const ApiContext = createContext<ConsoleApi | undefined>(undefined);

export function ApiProvider({ api, children }: { api: ConsoleApi; children: ComponentChildren }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): ConsoleApi {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error("useApi outside ApiProvider");
  return api;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads `load(api)` when `key` changes; an answer to an older key is dropped, so a slow response
 * never overwrites a newer one.
 */
export function useApiData<T>(load: (api: ConsoleApi) => Promise<T>, key: string): Loaded<T> {
  const api = useApi();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const lastKey = useRef(key);
  const loadRef = useRef(load);
  loadRef.current = load;
  // `key` and `generation` are the triggers; `load` is read through a ref so a new closure each render does not reload.
  useEffect(() => {
    const ticket = ++latest.current;
    // A reload keeps the data on screen while it loads; another key (another filter) does not.
    const sameKey = lastKey.current === key;
    lastKey.current = key;
    setState((s) => ({ data: sameKey ? s.data : undefined, loading: true, error: undefined }));
    loadRef.current(api).then(
      (data) => {
        if (ticket === latest.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ticket === latest.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, [api, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
