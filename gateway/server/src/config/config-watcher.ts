import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import type { GatewayConfig } from "./gateway-config.js";
import { parseGatewayConfigText, readGatewayConfigText } from "./load-config.js";

export interface ConfigWatcherHandlers {
  /** A new, valid config. Which parts to apply live (routes, ACL, relays, CRL list) is the consumer's choice. */
  onReload(config: GatewayConfig): void;
  /** A reload that failed (usually a ConfigError): the previous config stays in force. Also gets what onReload throws. */
  onError(error: unknown): void;
}

export interface ConfigWatcherOptions {
  /** Quiet time after the last file event before reloading; default 100 ms. */
  readonly debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

/**
 * Reloads the config file on SIGHUP and when it changes. The directory is
 * watched, not the file, because editors replace files by rename, which a
 * watch on the old inode would miss, and a Kubernetes ConfigMap swaps a
 * `..data` link in the directory instead of writing the file. File events are
 * debounced, and a change that leaves the text as it was last read is
 * ignored; SIGHUP always reloads (the operator asked). Reloads never overlap.
 * The SIGHUP listener also stops the signal's default action (exit) while the
 * watcher is open; close() removes it.
 */
export function watchGatewayConfig(
  path: string,
  handlers: ConfigWatcherHandlers,
  options: ConfigWatcherOptions = {},
): ConfigWatcher {
  const absolute = resolve(path);
  const fileName = basename(absolute);
  const debounceMs = options.debounceMs ?? 100;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again: { force: boolean } | undefined;
  let lastText: string | undefined;

  const report = (error: unknown) => {
    if (!closed) handlers.onError(error);
  };

  const reloadOnce = async (force: boolean) => {
    let text: string;
    try {
      text = await readGatewayConfigText(absolute);
    } catch (error) {
      lastText = undefined;
      report(error);
      return;
    }
    if (closed || (!force && text === lastText)) return;
    lastText = text;
    let config: GatewayConfig;
    try {
      config = parseGatewayConfigText(text, absolute);
    } catch (error) {
      report(error);
      return;
    }
    try {
      handlers.onReload(config);
    } catch (error) {
      report(error);
    }
  };

  const reload = async (force: boolean) => {
    if (running) {
      again = { force: force || again?.force === true };
      return;
    }
    running = true;
    try {
      let next: { force: boolean } | undefined = { force };
      while (next !== undefined && !closed) {
        again = undefined;
        await reloadOnce(next.force);
        next = again;
      }
    } finally {
      running = false;
    }
  };

  const onFileEvent = (_event: string, changed: string | Buffer | null) => {
    // Some platforms do not report the name; then any event in the directory counts. A mounted
    // Kubernetes ConfigMap never touches the file's own name: the kubelet writes a new `..<time>`
    // directory and renames a `..data` link onto it, so those names count too.
    const name = changed?.toString();
    if (name !== undefined && name !== fileName && !name.startsWith("..")) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload(false);
    }, debounceMs);
  };

  const onSighup = () => {
    void reload(true);
  };

  let fsWatcher: FSWatcher;
  try {
    fsWatcher = watch(dirname(absolute), onFileEvent);
  } catch (error) {
    throw new ConfigError("not-found", `cannot watch gateway config ${absolute}: ${String(error)}`, [], {
      cause: error,
    });
  }
  fsWatcher.on("error", report);
  process.on("SIGHUP", onSighup);

  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      fsWatcher.close();
      process.off("SIGHUP", onSighup);
    },
  };
}
