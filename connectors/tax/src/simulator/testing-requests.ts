import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlueRequest, RedConfirmationRequest, TaxInvoice } from "../protocol/tax-api.js";
import type { TaxChannel } from "../protocol/tax-client.js";

// Requests and fixtures for the simulator's specs.

export const testAppKey = "hutong-test";
export const testSecretHex = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
export const appKeys = { [testAppKey]: testSecretHex } as const;

export function testChannel(baseUrl: string, secretHex = testSecretHex, appKey = testAppKey): TaxChannel {
  return { baseUrl, appKey, appSecret: Buffer.from(secretHex, "hex") };
}

/** A fresh 32-character request serial. */
export function newSerial(): string {
  return randomBytes(16).toString("hex").toUpperCase();
}

/** A consistent blue request: two lines, 123.45 + 11.11 (Σ se 11.1105 rounded) = 134.56. */
export function blueRequest(overrides: Partial<BlueRequest> = {}): BlueRequest {
  return {
    fpqqlsh: newSerial(),
    xsfnsrsbh: "91510100MA61234567",
    xsfmc: "成都汽车客运站有限公司",
    xfnsrlxdm: "1",
    gmfnsrsbh: "",
    gmfmc: "个人",
    fppzDm: "02",
    tdyslxDm: "09",
    kpr: "系统",
    bz: "",
    hjje: "123.45",
    hjse: "11.11",
    jshj: "134.56",
    hwxx: [
      {
        xh: 1,
        xmmc: "*运输服务*客运服务费",
        sphfwssflhbbm: "3010101020101000000",
        je: "100.00",
        slv: "0.09",
        se: "9.00",
      },
      {
        xh: 2,
        xmmc: "*运输服务*行李服务费",
        sphfwssflhbbm: "3010101020101000000",
        je: "23.45",
        slv: "0.09",
        se: "2.1105",
      },
    ],
    lkysfwtdysList: [
      {
        cxr: "张三",
        cxrzjlxDm: "201",
        sfzjhm: "510104199001011234",
        chuxrq: "2026-12-04 08:30:00",
        cfd: "成都",
        ddd: "重庆",
        zwdj: "普通座",
        jtgjlxDm: "3",
      },
    ],
    dzkph: "5101000020261204000001",
    ...overrides,
  };
}

/** The slip application reversing `je`/`se` of `blue` (full when `lines` is empty). */
export function slipRequest(
  blue: TaxInvoice,
  hzcxje: string,
  hzcxse: string,
  lines: RedConfirmationRequest["hzqrdmxList"] = [],
  overrides: Partial<RedConfirmationRequest> = {},
): RedConfirmationRequest {
  return {
    hzqrdsqlsh: newSerial(),
    xsfnsrsbh: blue.xsfnsrsbh,
    lzfphm: blue.fphm,
    lzkprq: blue.kprq,
    lzhjje: blue.hjje,
    lzhjse: blue.hjse,
    lzfppzDm: blue.fppzDm,
    lzfpTdyslxDm: blue.tdyslxDm,
    hzcxje,
    hzcxse,
    chyyDm: "03",
    hzqrdmxList: lines,
    ...overrides,
  };
}

/** A temporary directory, removed by `remove`. */
export async function tempDir(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-tax-sim-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
