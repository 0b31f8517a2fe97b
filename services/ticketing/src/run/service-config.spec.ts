// A service's store in its config: a SQLite file path (relative to the config file), or a
// PostgreSQL database and schema; every problem named with its path.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTicketingError } from "../ticketing-error.js";
import { parseServiceConfig } from "./service-config.js";

const base = "/etc/hutong";
const ministry = (store: unknown) => ({
  service: "ministry",
  party: "mot/statistics",
  listen: { port: 7460 },
  store,
});
const province = (store: unknown) => ({
  service: "province",
  party: "prov:510000/ticketing",
  province: "510000",
  listen: { port: 7450 },
  store,
  sealKeyFile: "seal-key",
  stations: [{ code: "510101001", name: "成都中心站", grade: 1 }],
  gateway: {
    address: "127.0.0.1:7443",
    party: "prov:510000",
    chain: "pki/chain.pem",
    key: "pki/key.pem",
    anchors: ["pki/root.pem"],
  },
});

/** The config's problems, one per line, or "" when it is valid. */
function problems(raw: unknown): string {
  try {
    parseServiceConfig(raw, base);
    return "";
  } catch (e) {
    assert.ok(isTicketingError(e) && e.code === "invalid-config", String(e));
    return e.message;
  }
}

describe("the service config's store", () => {
  it("is a SQLite file, resolved against the config's directory", () => {
    assert.equal(
      parseServiceConfig(province("ticketing-510000.sqlite"), base).store,
      "/etc/hutong/ticketing-510000.sqlite",
    );
    assert.equal(parseServiceConfig(ministry("/var/lib/statistics.sqlite"), base).store, "/var/lib/statistics.sqlite");
  });

  it("or a PostgreSQL database and schema, kept as written", () => {
    const pg = { postgres: { url: "postgresql://hutong@db.internal:5432/tickets", schema: "ticketing_510000" } };
    assert.deepEqual(parseServiceConfig(province(pg), base).store, pg);
    const sized = { postgres: { ...pg.postgres, maxConnections: 16 } };
    assert.deepEqual(parseServiceConfig(ministry(sized), base).store, sized);
  });

  it("names what is wrong with a store", () => {
    assert.match(problems(province("")), /- store: a SQLite file path/);
    assert.match(
      problems(province({ postgres: { url: "mysql://x", schema: "Ticketing-51" } })),
      /- store\.postgres\.url: a postgresql:\/\/ URL\n {2}- store\.postgres\.schema: a PostgreSQL schema name/,
    );
    assert.match(problems(ministry({ postgres: { url: "postgres://db/t" } })), /- store\.postgres\.schema: /);
    assert.match(
      problems(ministry({ postgres: { url: "postgres://db/t", schema: "s", pool: 3 } })),
      /- store\.postgres: Unrecognized key: "pool"/,
    );
    assert.match(
      problems(ministry({ sqlite: "x.db" })),
      /- store\.postgres: Invalid input: expected object, received undefined\n {2}- store: Unrecognized key: "sqlite"/,
    );
    assert.match(problems(ministry(7)), /- store: a SQLite file path, or \{"postgres": /);
    assert.match(problems(ministry(undefined)), /- store: /);
  });
});
