import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { isConfigError } from "./config-error.js";
import { loadGatewayConfig } from "./load-config.js";
import { fullConfigYaml } from "./testing-config.js";

describe("loading the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "hutong-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("loads the full example and resolves paths against the file's directory", async () => {
    const path = file("gateway.yaml", fullConfigYaml);
    const c = await loadGatewayConfig(path);
    assert.equal(c.party, "prov:510000");
    assert.equal(c.dataDir, join(dir, "data"));
    assert.equal(c.identity.chain, join(dir, "pki/gw/chain.pem"));
    assert.deepEqual(c.trust.crls, [join(dir, "pki/ca/crl.pem")]);
    assert.equal(c.session.ticketKeys.current.secretFile, join(dir, "state/ticket-key-1.hex"));
    assert.equal(c.routeTable.entries.length, 3);
  });

  it("accepts a path relative to the working directory", async () => {
    const path = file("relative.yaml", fullConfigYaml);
    const c = await loadGatewayConfig(relative(process.cwd(), path));
    assert.equal(c.dataDir, join(dir, "data"));
  });

  it("reports a missing file as not-found, naming it", async () => {
    const path = join(dir, "missing.yaml");
    await assert.rejects(
      loadGatewayConfig(path),
      (e) => isConfigError(e, "not-found") && e.message === `cannot read gateway config ${path}: no such file`,
    );
    await assert.rejects(
      loadGatewayConfig(dir),
      (e) => isConfigError(e, "not-found") && e.message.endsWith("is a directory"),
    );
  });

  it("reports a YAML syntax error with its line", async () => {
    const path = file("syntax.yaml", "party: prov:510000\nlisten: { host: 127.0.0.1\nroutes: []\n");
    await assert.rejects(loadGatewayConfig(path), (e) => {
      assert.ok(isConfigError(e, "yaml-syntax"));
      assert.ok(e.message.startsWith(`gateway config ${path} is not valid YAML:\n  line `), e.message);
      assert.match(e.problems[0] ?? "", /^line 3, column \d+: /);
      return true;
    });
  });

  it("refuses duplicate keys and unresolved aliases as syntax errors", async () => {
    const dup = file("dup.yaml", "party: prov:510000\nparty: mot\n");
    await assert.rejects(
      loadGatewayConfig(dup),
      (e) => isConfigError(e, "yaml-syntax") && /^line 2, column 1: Map keys must be unique$/.test(e.problems[0] ?? ""),
    );
    const alias = file("alias.yaml", "party: *p\n");
    await assert.rejects(loadGatewayConfig(alias), (e) => isConfigError(e, "yaml-syntax") && /alias/i.test(e.message));
    const star = file("star.yaml", "routes:\n  - match: *\n    local: 127.0.0.1:1\n");
    await assert.rejects(loadGatewayConfig(star), (e) => isConfigError(e, "yaml-syntax"));
  });

  it("reports schema problems under the file's name, one line each", async () => {
    const path = file(
      "invalid.yaml",
      fullConfigYaml
        .replace("local: 127.0.0.1:9001", "local: localhost")
        .replace("party: prov:510000", "party: prov:51"),
    );
    await assert.rejects(loadGatewayConfig(path), (e) => {
      assert.ok(isConfigError(e, "invalid"));
      assert.ok(e.message.startsWith(`invalid gateway config ${path}:\n`), e.message);
      assert.deepEqual(e.problems, [
        'party: invalid party id "prov:51": a province is prov:<GB/T 2260 province code, e.g. 510000> or prov:xpcc',
        'routes[0].local: expected "host:port", got "localhost"',
      ]);
      assert.ok(e.message.includes('\n  routes[0].local: expected "host:port", got "localhost"'));
      return true;
    });
  });

  it("reports an empty file as invalid", async () => {
    const path = file("empty.yaml", "# nothing yet\n");
    await assert.rejects(
      loadGatewayConfig(path),
      (e) => isConfigError(e, "invalid") && e.problems[0] === "(top level): expected a mapping, got null",
    );
  });
});
