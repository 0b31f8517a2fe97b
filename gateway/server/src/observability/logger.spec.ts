import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { personalFields } from "@hutong/proto";
import { createLogger, redactionCensor } from "./logger.js";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger({ level, party: "mot", destination: { write: (s: string) => lines.push(s) } });
  const records = (): Array<Record<string, unknown>> => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

/** Every personal field named in the contract, in both spellings. */
const contractPersonalKeys = [...personalFields.values()]
  .flat()
  .filter((f) => f.kind !== undefined)
  .flatMap((f) => [f.field, f.tsName]);

describe("logger", () => {
  it("writes one JSON line with party, level label, time and message, and no pid or hostname", () => {
    const { logger, records } = capture();
    logger.info({ method: "/hutong.v1.Exchange/GetTicket", status: "OK" }, "call done");
    const [record] = records();
    assert.ok(record);
    assert.equal(record.party, "mot");
    assert.equal(record.level, "info");
    assert.equal(record.msg, "call done");
    assert.equal(record.method, "/hutong.v1.Exchange/GetTicket");
    assert.ok(!Number.isNaN(Date.parse(String(record.time))), "ISO time");
    assert.equal("pid" in record, false);
    assert.equal("hostname" in record, false);
  });

  it("respects the level", () => {
    const { logger, lines } = capture("warn");
    logger.info("hidden");
    logger.warn("shown");
    assert.equal(lines.length, 1);
    assert.throws(() => createLogger({ level: "verbose", party: "mot" }));
  });

  it("redacts every personal field of the contract, top level and nested, and keeps ordinary fields", () => {
    assert.ok(contractPersonalKeys.length > 10);
    const { logger, records } = capture();
    for (const key of contractPersonalKeys) {
      const secret = `secret-${key}`;
      logger.info(
        {
          [key]: secret,
          call: { route: "peer-mot", request: { [key]: secret, items: [{ deep: { [key]: secret } }] } },
          kept: key,
        },
        "m",
      );
    }
    const all = records();
    assert.equal(all.length, contractPersonalKeys.length);
    all.forEach((record, i) => {
      const key = contractPersonalKeys[i] as string;
      const text = JSON.stringify(record);
      assert.equal(text.includes("secret-"), false, text);
      assert.equal(record[key], redactionCensor, text);
      assert.deepEqual(record.call, {
        route: "peer-mot",
        request: { [key]: redactionCensor, items: [{ deep: { [key]: redactionCensor } }] },
      });
      assert.equal(record.kept, key);
    });
  });

  it("redacts a ticket response as the gateway would see it", () => {
    const { logger, lines } = capture();
    const passenger = { name: "张三", idNo: "110101199003074514", phone: "13800000000" };
    const response = { ticket: { ticketNo: "G1234-0001", passenger, buyer: passenger } };
    logger.warn({ response, route: "local" }, "unexpected answer");
    const line = lines[0] ?? "";
    for (const value of Object.values(passenger)) assert.equal(line.includes(value), false, line);
    assert.ok(line.includes("G1234-0001"));
    assert.equal(passenger.idNo, "110101199003074514", "the caller's object is not mutated");
  });

  it("redacts child bindings and objects interpolated into the message", () => {
    const { logger, lines } = capture();
    logger.child({ holderIdNo: "A1", peer: { holderName: "B2" }, call: "c1" }).info("x");
    logger.info("got %o", { idNo: "C3" });
    logger
      .child({ call: "c2" })
      .child({ peer: { phone: "D4" } })
      .info("grandchild");
    const text = lines.join("");
    assert.ok(text.includes('"call":"c2","peer":{"phone":"[redacted]"}'), text);
    for (const secret of ["A1", "B2", "C3", "D4"]) assert.equal(text.includes(secret), false, text);
    assert.ok(text.includes('"call":"c1"'));
  });

  it("logs errors with their type and code", () => {
    const { logger, records } = capture();
    logger.error({ err: Object.assign(new Error("refused"), { code: "bad-mac" }) }, "call failed");
    const err = records()[0]?.err as Record<string, unknown> | undefined;
    assert.equal(err?.type, "Error");
    assert.equal(err?.code, "bad-mac");
    assert.equal(err?.message, "refused");
  });

  it("redacts free text in a logged error: its message, stack and causes", () => {
    const { logger, lines, records } = capture();
    const cause = new Error("tel 13611112222");
    logger.error({ err: new Error("lookup failed for holder 110105194912310021 (张三)", { cause }) }, "call failed");
    const text = lines.join("");
    for (const secret of ["1101051949", "1361111", "张三"]) assert.equal(text.includes(secret), false, text);
    const err = records()[0]?.err as Record<string, unknown> | undefined;
    assert.equal(err?.message, "lookup failed for holder [digits] ([cjk]): tel [digits]");
    assert.match(String(err?.stack), /logger\.spec\.ts/);
  });
});
