import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createResourceStack } from "./resource-stack.js";

describe("resource stack", () => {
  it("closes newest first, each once, however often close is called", async () => {
    const stack = createResourceStack();
    const closed: string[] = [];
    stack.defer(() => closed.push("store"));
    stack.defer(async () => {
      await new Promise((r) => setTimeout(r, 5));
      closed.push("audit log");
    });
    stack.defer(() => closed.push("listener"));
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    assert.deepEqual(closed, ["listener", "audit log", "store"]);
  });

  it("runs every closer when one fails, then rethrows the first failure", async () => {
    const stack = createResourceStack();
    const closed: string[] = [];
    stack.defer(() => closed.push("a"));
    stack.defer(() => {
      throw new Error("b failed");
    });
    stack.defer(() => Promise.reject(new Error("c failed")));
    await assert.rejects(stack.close(), /c failed/);
    assert.deepEqual(closed, ["a"]);
  });

  it("refuses a resource registered after closing", async () => {
    const stack = createResourceStack();
    await stack.close();
    assert.throws(() => stack.defer(() => {}), /already closed/);
  });
});
