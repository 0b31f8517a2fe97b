// A licence service's configuration: an issuer's and the library's, defaults filled in, files
// resolved against the config's directory, and every problem named with its path at once.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isLicensingError } from "../licensing-error.js";
import { testDir } from "../testing.js";
import { loadLicenceServiceConfig, parseLicenceServiceConfig } from "./service-config.js";

const base = "/etc/hutong";
const gateway = {
  address: "127.0.0.1:7443",
  party: "prov:510000",
  chain: "pki/chain.pem",
  key: "pki/key.pem",
  anchors: ["pki/root.pem"],
  crls: ["/var/lib/crls/root.crl"],
};
const issuer = (over: Record<string, unknown> = {}) => ({
  service: "issuer",
  party: "prov:510000/licence",
  province: "510000",
  listen: { port: 7470 },
  store: "licence-510000.sqlite",
  sealKeyFile: "seal-key",
  gateway,
  ...over,
});
const library = (over: Record<string, unknown> = {}) => ({
  service: "library",
  party: "mot/licence",
  listen: { host: "0.0.0.0", port: 7480 },
  store: "/var/lib/hutong/library.sqlite",
  sealKeyFile: "keys/library-seal",
  gateway: { ...gateway, party: "mot" },
  ...over,
});

/** The config's problems as the error says them, or "" when it is valid. */
function problems(raw: unknown): string {
  try {
    parseLicenceServiceConfig(raw, base);
    return "";
  } catch (e) {
    assert.ok(isLicensingError(e, "invalid-config"), String(e));
    return e.message;
  }
}

describe("parseLicenceServiceConfig", () => {
  it("reads an issuer's config with its defaults, files resolved against the base directory", () => {
    const c = parseLicenceServiceConfig(
      issuer({
        paperLicences: { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: 10 },
        faults: { dropRange: { from: 20, to: 29 } },
      }),
      base,
    );
    assert.ok(c.service === "issuer");
    assert.equal(c.store, "/etc/hutong/licence-510000.sqlite");
    assert.equal(c.sealKeyFile, "/etc/hutong/seal-key");
    assert.deepEqual(c.gateway, {
      ...gateway,
      chain: "/etc/hutong/pki/chain.pem",
      key: "/etc/hutong/pki/key.pem",
      anchors: ["/etc/hutong/pki/root.pem"],
      crls: ["/var/lib/crls/root.crl"],
    });
    assert.deepEqual(c.listen, { host: "127.0.0.1", port: 7470 });
    assert.equal(c.library, "mot/licence");
    assert.equal(c.countsIntervalMs, 10_000);
    assert.equal(c.outbox.concurrency, 32);
    assert.deepEqual(c.paperLicences, { LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: 10 });
    assert.deepEqual(c.faults, { dropRange: { from: 20, to: 29 } });
    const bare = parseLicenceServiceConfig(issuer(), base);
    assert.ok(bare.service === "issuer");
    assert.deepEqual(bare.paperLicences, {});
    assert.equal(bare.faults, undefined);
  });

  it("reads the library's config with its defaults, an absolute path kept as it is", () => {
    const c = parseLicenceServiceConfig(library(), base);
    assert.ok(c.service === "library");
    assert.equal(c.store, "/var/lib/hutong/library.sqlite");
    assert.equal(c.sealKeyFile, "/etc/hutong/keys/library-seal");
    assert.equal(c.gateway.chain, "/etc/hutong/pki/chain.pem");
    assert.deepEqual(c.listen, { host: "0.0.0.0", port: 7480 });
    assert.equal(c.issuerParty, "prov:{province}/licence");
    assert.deepEqual(c.gaps, { graceMs: 3000, retryMs: 10_000, intervalMs: 1000 });
    const tuned = parseLicenceServiceConfig(library({ gaps: { graceMs: 0 } }), base);
    assert.ok(tuned.service === "library");
    assert.deepEqual(tuned.gaps, { graceMs: 0, retryMs: 10_000, intervalMs: 1000 });
  });

  it("lists every problem of an issuer's config, each with its path, in one error", () => {
    const said = problems(
      issuer({
        party: "licence",
        province: "510100",
        listen: { port: 70_000 },
        store: "",
        gateway: { ...gateway, address: "no-port", anchors: [] },
        paperLicences: { LICENCE_KIND_BICYCLE: 3, LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: -1 },
        countsIntervalMs: 5,
        faults: { dropRange: { from: 0, to: 3 } },
        colour: "red",
      }),
    );
    assert.match(said, /^the service config is invalid:\n/);
    for (const line of [
      "  - party: a party id",
      "  - province: a GB/T 2260 province code",
      "  - listen.port: ",
      "  - store: a SQLite file path",
      "  - gateway.address: host:port",
      "  - gateway.anchors: ",
      "  - paperLicences.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE: Too small: expected number to be >=0",
      '  - paperLicences: Unrecognized key: "LICENCE_KIND_BICYCLE"',
      "  - countsIntervalMs: ",
      "  - faults.dropRange.from: ",
      '  - (root): Unrecognized key: "colour"',
    ]) {
      assert.ok(said.includes(`\n${line}`), `${JSON.stringify(line)} in:\n${said}`);
    }
    assert.equal(said.split("\n").length - 1, 11, said);
  });

  it("lists the library's problems too, and refuses a service it does not know", () => {
    const said = problems(library({ gaps: { graceMs: -1, retryMs: 10, intervalMs: 1 }, sealKeyFile: 7 }));
    for (const path of ["sealKeyFile", "gaps.graceMs", "gaps.retryMs", "gaps.intervalMs"]) {
      assert.match(said, new RegExp(`\\n  - ${path.replace(".", "\\.")}: `), said);
    }
    assert.match(problems({ ...library(), service: "registry" }), /\n {2}- service: /);
    assert.match(problems(undefined), /\n {2}- \(root\): /);
    assert.match(problems(issuer({ province: undefined })), /\n {2}- province: /);
  });

  it("refuses a drop range that ends before it starts", () => {
    assert.equal(
      problems(issuer({ faults: { dropRange: { from: 30, to: 20 } } })),
      "the service config is invalid:\n  - faults.dropRange: to is before from",
    );
    assert.equal(problems(issuer({ faults: { dropRange: { from: 20, to: 20 } } })), "", "one number is a range");
  });
});

describe("loadLicenceServiceConfig", () => {
  it("resolves files against the config file's directory, and refuses a file that is not JSON", async () => {
    const { dir, cleanup } = await testDir();
    try {
      const path = join(dir, "issuer.json");
      await writeFile(path, JSON.stringify(issuer()));
      const c = await loadLicenceServiceConfig(path);
      assert.equal(c.store, join(dir, "licence-510000.sqlite"));
      await writeFile(path, "{ not json");
      await assert.rejects(loadLicenceServiceConfig(path), (e: unknown) => isLicensingError(e, "invalid-config"));
      await assert.rejects(loadLicenceServiceConfig(join(dir, "missing.json")), (e: unknown) =>
        isLicensingError(e, "invalid-config"),
      );
    } finally {
      await cleanup();
    }
  });
});
