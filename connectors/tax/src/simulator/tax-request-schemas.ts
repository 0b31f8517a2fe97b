import { z } from "zod";

// The shapes the channel accepts (tax-api.ts), checked before any business rule: field formats
// and lengths of domain.md §3.2–3.4. Strict objects: an unknown (say misspelt) field is refused
// rather than silently dropped. Sums and cross-field rules are the handlers' (tax-channel-handlers.ts).
// zod's messages name the field and the rule, never the value, so a 1005 answer carries no personal data.

/** 发票请求流水号 and 红字确认单申请流水号: 32 letters or digits. */
const serial = z.string().regex(/^[0-9A-Za-z]{32}$/, "32 letters or digits");
/** 纳税人识别号 (统一社会信用代码 and older ids): 15 to 20 digits or capital letters. */
const taxId = z.string().regex(/^[0-9A-Z]{15,20}$/, "15 to 20 digits or capital letters");
const invoiceNo = z.string().regex(/^\d{20}$/, "20 digits");
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'a Beijing time "YYYY-MM-DD HH:mm:ss"');
/** DECIMAL 18,2, not negative. */
const amount = z.string().regex(/^\d{1,16}(\.\d{1,2})?$/, "a non-negative amount with at most 2 decimals");
/** DECIMAL 18,6 (税额 of a line), not negative. */
const lineTax = z.string().regex(/^\d{1,16}(\.\d{1,6})?$/, "a non-negative amount with at most 6 decimals");
/** A reversal amount: negative (zero allowed for the tax of a 0% line). */
const reversal = (decimals: 2 | 6) =>
  z
    .string()
    .regex(
      decimals === 2 ? /^(-\d{1,16}(\.\d{1,2})?|0(\.0{1,2})?)$/ : /^(-\d{1,16}(\.\d{1,6})?|0(\.0{1,6})?)$/,
      `a negative amount with at most ${decimals} decimals`,
    );
const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const nonEmptyText = (max: number) => text(max).min(1, "must not be empty");
const twoDigits = z.string().regex(/^\d{2}$/, "2 digits");

export const taxLineSchema = z.strictObject({
  xh: z.number().int().min(1),
  xmmc: nonEmptyText(600),
  sphfwssflhbbm: z.string().regex(/^\d{19}$/, "19 digits"),
  je: amount,
  slv: z.string().regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, "a rate from 0 to 1 with at most 6 decimals"),
  se: lineTax,
});

export const passengerElementSchema = z.strictObject({
  cxr: nonEmptyText(300),
  cxrzjlxDm: z.string().regex(/^\d{3}$/, "3 digits"),
  sfzjhm: nonEmptyText(30),
  chuxrq: dateTime,
  cfd: nonEmptyText(300),
  ddd: nonEmptyText(300),
  zwdj: text(20),
  jtgjlxDm: z.string().regex(/^[1-79]$/, "one of 1-7, 9"),
});

export const blueRequestSchema = z.strictObject({
  fpqqlsh: serial,
  xsfnsrsbh: taxId,
  xsfmc: nonEmptyText(150),
  xfnsrlxdm: z.string().regex(/^\d{1,2}$/, "1 or 2 digits"),
  /** Optional for individuals: "" then. */
  gmfnsrsbh: z.union([z.literal(""), taxId]),
  gmfmc: nonEmptyText(150),
  fppzDm: z.enum(["01", "02"]),
  tdyslxDm: z.union([z.literal(""), twoDigits]),
  kpr: text(300),
  bz: text(450),
  hjje: amount,
  hjse: amount,
  jshj: amount,
  hwxx: z.array(taxLineSchema).min(1, "at least one line").max(2000),
  lkysfwtdysList: z.array(passengerElementSchema).max(2000),
  dzkph: text(64),
});

export const queryBySerialSchema = z.strictObject({ fpqqlsh: serial });

export const blueForRedSchema = z.strictObject({ fphm: invoiceNo });

export const redConfirmationSchema = z.strictObject({
  hzqrdsqlsh: serial,
  xsfnsrsbh: taxId,
  lzfphm: invoiceNo,
  lzkprq: dateTime,
  lzhjje: amount,
  lzhjse: amount,
  lzfppzDm: z.enum(["01", "02"]),
  lzfpTdyslxDm: z.union([z.literal(""), twoDigits]),
  hzcxje: reversal(2),
  hzcxse: reversal(2),
  /** 冲红原因: 01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让. */
  chyyDm: z.enum(["01", "02", "03", "04"]),
  hzqrdmxList: z.array(z.strictObject({ lzmxxh: z.number().int().min(1), je: reversal(2), se: reversal(6) })).max(2000),
});

export const redRequestSchema = z.strictObject({
  fpqqlsh: serial,
  hzqrduuid: z.string().regex(/^[0-9a-f]{32}$/, "32 lowercase hex digits"),
});

/** A failed parse as one line: the partner kit's, as every simulated channel words it. */
export { schemaProblems } from "@hutong/partner-http";
