import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RouteTarget } from "../routing/route-table.js";
import { isConfigError } from "./config-error.js";
import { type ConfigWatcher, watchGatewayConfig } from "./config-watcher.js";
import type { GatewayConfig } from "./gateway-config.js";
import { fullConfigYaml } from "./testing-config.js";

type Event =
  | { readonly kind: "reload"; readonly config: GatewayConfig }
  | { readonly kind: "error"; readonly error: unknown };

/** A watcher whose callbacks land in a queue the test awaits in order. */
function recorder(path: string) {
  const events: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event) => {
    events.push(event);
    wake?.();
  };
  const watcher: ConfigWatcher = watchGatewayConfig(path, {
    onReload: (config) => push({ kind: "reload", config }),
    onError: (error) => push({ kind: "error", error }),
  });
  let read = 0;
  return {
    watcher,
    events,
    async next(timeoutMs = 5000): Promise<Event> {
      const deadline = Date.now() + timeoutMs;
      while (read >= events.length) {
        if (Date.now() > deadline) assert.fail(`no watcher event within ${timeoutMs} ms`);
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(50)]);
      }
      return events[read++] as Event;
    },
  };
}

const withRoute = (address: string) => fullConfigYaml.replace("local: 127.0.0.1:9001", `local: ${address}`);
const addressOfTarget = (t: RouteTarget | undefined) =>
  t === undefined || t.kind === "connector" ? undefined : t.address;
const addressOf = (event: Event) =>
  event.kind === "reload" ? addressOfTarget(event.config.routeTable.resolve("prov:440000")?.target) : undefined;

describe("config watcher", () => {
  const dir = mkdtempSync(join(tmpdir(), "hutong-watch-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("delivers a valid change, reports an invalid one and keeps going", async () => {
    const path = join(dir, "a.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9001"));
    const r = recorder(path);
    try {
      writeFileSync(path, withRoute("127.0.0.1:9101"));
      assert.equal(addressOf(await r.next()), "127.0.0.1:9101");

      writeFileSync(path, withRoute("localhost"));
      const bad = await r.next();
      assert.equal(bad.kind, "error");
      assert.ok(bad.kind === "error" && isConfigError(bad.error, "invalid"));
      assert.ok(bad.kind === "error" && String(bad.error).includes('routes[0].local: expected "host:port"'));

      writeFileSync(path, "party: [\n");
      const syntax = await r.next();
      assert.ok(syntax.kind === "error" && isConfigError(syntax.error, "yaml-syntax"));

      writeFileSync(path, withRoute("127.0.0.1:9102"));
      assert.equal(addressOf(await r.next()), "127.0.0.1:9102");
    } finally {
      r.watcher.close();
    }
  });

  it("picks up a file replaced by rename, as editors and config maps do", async () => {
    const path = join(dir, "b.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9001"));
    const r = recorder(path);
    try {
      const temp = join(dir, ".b.yaml.tmp");
      writeFileSync(temp, withRoute("127.0.0.1:9201"));
      renameSync(temp, path);
      assert.equal(addressOf(await r.next()), "127.0.0.1:9201");
    } finally {
      r.watcher.close();
    }
  });

  it("picks up a Kubernetes ConfigMap update: a new ..<time> directory and the ..data link swapped onto it", async () => {
    // The kubelet's atomic writer: gateway.yaml -> ..data/gateway.yaml, ..data -> ..<time>/. An
    // update writes ..<new time>/, points ..data_tmp at it and renames ..data_tmp onto ..data;
    // nothing happens under the name gateway.yaml itself.
    const mount = join(dir, "configmap");
    mkdirSync(join(mount, "..2026_12_06_01"), { recursive: true });
    writeFileSync(join(mount, "..2026_12_06_01", "gateway.yaml"), withRoute("127.0.0.1:9001"));
    symlinkSync("..2026_12_06_01", join(mount, "..data"));
    symlinkSync(join("..data", "gateway.yaml"), join(mount, "gateway.yaml"));
    const r = recorder(join(mount, "gateway.yaml"));
    try {
      mkdirSync(join(mount, "..2026_12_06_02"));
      writeFileSync(join(mount, "..2026_12_06_02", "gateway.yaml"), withRoute("127.0.0.1:9301"));
      symlinkSync("..2026_12_06_02", join(mount, "..data_tmp"));
      renameSync(join(mount, "..data_tmp"), join(mount, "..data"));
      assert.equal(addressOf(await r.next()), "127.0.0.1:9301");
    } finally {
      r.watcher.close();
    }
  });

  it("debounces a burst of writes into one reload of the last text, and ignores unchanged text", async () => {
    const path = join(dir, "c.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9001"));
    const r = recorder(path);
    try {
      for (let port = 9301; port <= 9305; port++) writeFileSync(path, withRoute(`127.0.0.1:${port}`));
      assert.equal(addressOf(await r.next()), "127.0.0.1:9305");
      writeFileSync(path, withRoute("127.0.0.1:9305"));
      writeFileSync(join(dir, "other.yaml"), "not: watched\n");
      await sleep(400);
      assert.equal(r.events.length, 1);
    } finally {
      r.watcher.close();
    }
  });

  it("reloads on SIGHUP even when the file has not changed, and removes its listener on close", async () => {
    const path = join(dir, "d.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9401"));
    const before = process.listenerCount("SIGHUP");
    const r = recorder(path);
    assert.equal(process.listenerCount("SIGHUP"), before + 1);
    try {
      process.kill(process.pid, "SIGHUP");
      assert.equal(addressOf(await r.next()), "127.0.0.1:9401");
      process.kill(process.pid, "SIGHUP");
      assert.equal(addressOf(await r.next()), "127.0.0.1:9401");
    } finally {
      r.watcher.close();
    }
    assert.equal(process.listenerCount("SIGHUP"), before);
  });

  it("reports a deleted file on SIGHUP and recovers when it comes back", async () => {
    const path = join(dir, "e.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9501"));
    const r = recorder(path);
    try {
      rmSync(path);
      process.kill(process.pid, "SIGHUP");
      let event = await r.next();
      // The deletion itself may also be noticed by the file watch; every such report is not-found.
      assert.ok(event.kind === "error" && isConfigError(event.error, "not-found"));
      writeFileSync(path, withRoute("127.0.0.1:9502"));
      do event = await r.next();
      while (event.kind === "error" && isConfigError(event.error, "not-found"));
      assert.equal(addressOf(event), "127.0.0.1:9502");
    } finally {
      r.watcher.close();
    }
  });

  it("is silent after close", async () => {
    const path = join(dir, "f.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9601"));
    const r = recorder(path);
    r.watcher.close();
    r.watcher.close();
    writeFileSync(path, withRoute("127.0.0.1:9602"));
    await sleep(300);
    assert.deepEqual(r.events, []);
  });

  it("passes an exception from onReload to onError", async () => {
    const path = join(dir, "g.yaml");
    writeFileSync(path, withRoute("127.0.0.1:9701"));
    const errors: unknown[] = [];
    const boom = new Error("consumer failed");
    const watcher = watchGatewayConfig(path, {
      onReload: () => {
        throw boom;
      },
      onError: (e) => errors.push(e),
    });
    try {
      process.kill(process.pid, "SIGHUP");
      const deadline = Date.now() + 5000;
      while (errors.length === 0 && Date.now() < deadline) await sleep(20);
      assert.deepEqual(errors, [boom]);
    } finally {
      watcher.close();
    }
  });

  it("refuses to watch a file in a directory that does not exist", () => {
    assert.throws(
      () => watchGatewayConfig(join(dir, "nope", "gw.yaml"), { onReload: () => {}, onError: () => {} }),
      (e) => isConfigError(e, "not-found"),
    );
  });
});
