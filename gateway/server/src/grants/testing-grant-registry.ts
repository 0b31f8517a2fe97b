// Test support (excluded from the build): a grant registry over a real SQLite store in a fresh
// temp directory, trusting a testing PKI.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Crl } from "@hutong/certs";
import { openStore } from "../store/open-store.js";
import type { HutongStore } from "../store/port/store.js";
import { createGrantRegistry, type GrantRegistry, type GrantRegistryOptions } from "./grant-registry.js";
import type { TestPki } from "./testing-pki.js";

export interface TestRegistry {
  readonly store: HutongStore;
  readonly registry: GrantRegistry;
  /** The CRLs the registry sees; tests swap them (e.g. for pki.crlsRevoking(...)). */
  crls: readonly Crl[];
  close(): Promise<void>;
}

export async function openTestRegistry(
  pki: TestPki,
  o: Omit<Partial<GrantRegistryOptions>, "store" | "crls"> & { readonly thread?: "worker" | "main" } = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-grants-"));
  const store = await openStore(
    { kind: "sqlite", path: join(dir, "hutong.db"), thread: o.thread ?? "worker" },
    { hash: "sm3" },
  );
  const t: TestRegistry = {
    store,
    crls: pki.crls,
    registry: createGrantRegistry({
      trust: { trustAnchors: pki.trust.trustAnchors, holderTrustAnchors: pki.trust.holderTrustAnchors },
      ...o,
      store,
      crls: () => t.crls,
    }),
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return t;
}
