// The invoice face rules the simulator checks and fills in as the tax platform would: money as
// decimal strings in yuan (arithmetic in integer micro-yuan as bigint, never floats: 税额 se has up
// to 6 decimals, totals 2), 价税合计大写, 开票日期 in Beijing time, and the 20-digit 发票号码.

/** 1 yuan in micro-yuan: the unit every amount is held in while it is computed. */
const microPerYuan = 1_000_000n;
/** 1 fen (0.01 yuan) in micro-yuan. */
export const microPerFen = 10_000n;

const amountPattern = /^(-)?(\d{1,16})(?:\.(\d{1,6}))?$/;

/** A decimal string in yuan ("12.5", "-3.00", "0.045000") as micro-yuan; undefined when it is not one. */
export function parseYuan(text: string): bigint | undefined {
  const m = amountPattern.exec(text);
  if (m === null) return undefined;
  const [, minus, whole = "0", fraction = ""] = m;
  const micro = BigInt(whole) * microPerYuan + BigInt(fraction.padEnd(6, "0"));
  return minus === undefined ? micro : -micro;
}

/** `parseYuan` for text already validated by the request schemas. */
export function yuan(text: string): bigint {
  const micro = parseYuan(text);
  if (micro === undefined) throw new TypeError("not a decimal amount in yuan");
  return micro;
}

/** How many decimals a decimal string has (0 for "12"). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Rounded to whole fen, half away from zero (四舍五入), as the platform rounds Σ se into hjse. */
export function roundToFen(micro: bigint): bigint {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const rounded = ((abs + microPerFen / 2n) / microPerFen) * microPerFen;
  return negative ? -rounded : rounded;
}

/**
 * Micro-yuan as a decimal string with `decimals` places (2 to 6); throws when that would drop
 * digits, so a caller never silently loses money. Zero is never "-0.00".
 */
export function formatYuan(micro: bigint, decimals = 2): string {
  if (decimals < 2 || decimals > 6) throw new RangeError("2 to 6 decimals");
  const step = 10n ** BigInt(6 - decimals);
  if (micro % step !== 0n) throw new RangeError("the amount has more decimals than asked for");
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / microPerYuan;
  const fraction = ((abs % microPerYuan) / step).toString().padStart(decimals, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** The sum of decimal strings, in micro-yuan. */
export function sumYuan(texts: readonly string[]): bigint {
  return texts.reduce((sum, t) => sum + yuan(t), 0n);
}

const digitWords = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"] as const;
const placeWords = ["", "拾", "佰", "仟"] as const;
const sectionWords = ["", "万", "亿", "万亿"] as const;

/** A whole number of yuan in capital numerals, without 圆: 1005 → 壹仟零伍, 100100 → 壹拾万零壹佰. */
function wholeInWords(whole: bigint): string {
  const digits = whole.toString();
  let out = "";
  let zeroPending = false;
  let sectionHasDigit = false;
  for (const [i, ch] of [...digits].entries()) {
    const position = digits.length - 1 - i;
    const d = Number(ch);
    if (d === 0) {
      if (out !== "") zeroPending = true;
    } else {
      if (zeroPending) out += "零";
      zeroPending = false;
      sectionHasDigit = true;
      out += `${digitWords[d]}${placeWords[position % 4]}`;
    }
    if (position % 4 === 0 && position > 0) {
      // A section's unit (万, 亿) follows it only when the section has a digit; the zeros ending
      // the section are then not spoken (壹拾万壹仟), while zeros of empty sections are (壹亿零壹).
      if (sectionHasDigit) {
        out += sectionWords[position / 4];
        zeroPending = false;
      }
      sectionHasDigit = false;
    }
  }
  return out;
}

/**
 * 价税合计大写 of an amount in micro-yuan (whole fen): 123.45 → 壹佰贰拾叁圆肆角伍分, 100 → 壹佰圆整,
 * 100.05 → 壹佰圆零伍分, 0.50 → 伍角. A negative amount is its absolute value prefixed （负数）, as red
 * invoices print it.
 */
export function amountInWords(micro: bigint): string {
  if (micro % microPerFen !== 0n) throw new RangeError("the amount is not whole fen");
  if (micro < 0n) return `（负数）${amountInWords(-micro)}`;
  const fen = micro / microPerFen;
  const whole = fen / 100n;
  const jiao = Number((fen / 10n) % 10n);
  const fenDigit = Number(fen % 10n);
  if (fen === 0n) return "零圆整";
  let out = whole > 0n ? `${wholeInWords(whole)}圆` : "";
  if (jiao === 0 && fenDigit === 0) return `${out}整`;
  if (jiao > 0) out += `${digitWords[jiao]}角`;
  else if (whole > 0n) out += "零";
  if (fenDigit > 0) out += `${digitWords[fenDigit]}分`;
  return out;
}

const beijingOffsetMs = 8 * 3_600_000;

/** An instant as "YYYY-MM-DD HH:mm:ss" in Beijing time (UTC+8, no daylight saving), whatever the machine's zone. */
export function beijingTime(ms: number): string {
  const iso = new Date(ms + beijingOffsetMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The sequence part of 发票号码 has 15 digits. */
export const maxInvoiceSequence = 999_999_999_999_999;

/**
 * 发票号码 (domain.md §3.1): yy of the Beijing-time year, the 2-digit region, "1" for the issuing
 * channel, and a 15-digit sequence.
 */
export function invoiceNumber(nowMs: number, region: string, sequence: number): string {
  if (!/^\d{2}$/.test(region)) throw new RangeError("the region is 2 digits");
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > maxInvoiceSequence) {
    throw new RangeError("the sequence is 1 to 15 digits");
  }
  const yy = beijingTime(nowMs).slice(2, 4);
  return `${yy}${region}1${String(sequence).padStart(15, "0")}`;
}
