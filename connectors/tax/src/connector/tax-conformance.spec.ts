import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConformanceFault, connectorConformance } from "@hutong/connector-conformance";
import type { TaxFaults } from "../simulator/index.js";
import { startTaxSimulator } from "../simulator/index.js";
import { requestSerial } from "./request-serial.js";
import { createTaxChannelConnector } from "./tax-channel-connector.js";
import { instructionSealer } from "./tax-instruction.js";

// The tax connector against its channel simulator, through the suite every connector passes.

const faultsOf: Record<ConformanceFault, Partial<TaxFaults>> = {
  none: {},
  down: { down: true },
  error: { error5xxRate: 1 },
  "timeout-after-effect": { timeoutAfterEffectRate: 1 },
  "stray-answer": { duplicateAnswerRate: 1 },
};
const off: Partial<TaxFaults> = {
  down: false,
  error5xxRate: 0,
  timeoutAfterEffectRate: 0,
  duplicateAnswerRate: 0,
  reorderRate: 0,
  slowMs: 0,
};

connectorConformance("tax-einvoice", {
  tryTimeoutMs: 300,
  async start() {
    const dir = await mkdtemp(join(tmpdir(), "hutong-tax-conformance-"));
    const secret = randomBytes(32);
    const sim = await startTaxSimulator({
      dbPath: join(dir, "channel.sqlite"),
      appKeys: { conformance: secret.toString("hex") },
      seed: 5,
    });
    const sealer = instructionSealer(randomBytes(32));
    const connector = createTaxChannelConnector({
      party: "tax:chinatax",
      channel: { baseUrl: sim.url, appKey: "conformance", appSecret: secret },
      sealer,
      requestTimeoutMs: 300,
    });
    return {
      connector,
      async request(i) {
        const serial = requestSerial("invoice", "prov:510000/ticketing", `T${i}:blue`);
        return {
          topic: "tax-invoices",
          destination: "tax:chinatax",
          idempotencyKey: serial,
          orderingKey: null,
          payload: sealer.seal(
            {
              t: "blue",
              request: {
                fpqqlsh: serial,
                xsfnsrsbh: "91510000MA0000000X",
                xsfmc: "四川测试客运有限公司",
                xfnsrlxdm: "1",
                gmfnsrsbh: "",
                gmfmc: "个人",
                fppzDm: "02",
                tdyslxDm: "09",
                kpr: "售票系统",
                bz: "",
                hjje: "100.00",
                hjse: "9.00",
                jshj: "109.00",
                hwxx: [
                  {
                    xh: 1,
                    xmmc: "*运输服务*长途汽车旅客运输服务",
                    sphfwssflhbbm: "3010101020101000000",
                    je: "100.00",
                    slv: "0.09",
                    se: "9.00",
                  },
                ],
                lkysfwtdysList: [
                  {
                    cxr: "测试",
                    cxrzjlxDm: "201",
                    sfzjhm: "510104199001011234",
                    chuxrq: "2026-12-04 08:00:00",
                    cfd: "成都",
                    ddd: "重庆",
                    zwdj: "普通",
                    jtgjlxDm: "3",
                  },
                ],
                dzkph: `T${i}`,
              },
            },
            serial,
          ),
        };
      },
      async applied(key) {
        return sim.invoices().filter((inv) => inv.fpqqlsh === key).length;
      },
      fault(f) {
        sim.setFaults({ ...off, ...faultsOf[f] });
      },
      async close() {
        await sim.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
