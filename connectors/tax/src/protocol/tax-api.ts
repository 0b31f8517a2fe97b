// The tax channel's HTTP/JSON API as the connector speaks it and the simulator serves it.
//
// ASSUMED SHAPE, clearly labelled: the national platform's direct channel (乐企) and the SaaS
// channels (诺税通, fa-piao.com) publish their field ids (domain.md §3.2–3.4, used here as they
// are: fpqqlsh, fphm, kprq, hjje, hwxx, lkysfwtdysList, lzfphm, hzcxje, chyyDm, hzqrduuid, ...), but
// not one common envelope. The envelope, the paths and the business codes below are ours, modelled
// on those SaaS channels: POST JSON, app key and signature headers, `{ code, msg, data }` answers
// where "0000" is success. A real channel's adapter changes this file and the mapping, nothing else.

/** Every call is POST with a JSON body; the answer is always this envelope (HTTP 200 unless the channel itself fails). */
export interface TaxAnswer<T> {
  readonly code: string;
  readonly msg: string;
  readonly data?: T;
}

export const taxPaths = {
  /** 蓝字发票开具: issue a blue invoice; de-duplicated by fpqqlsh. */
  issueBlue: "/api/v1/invoices/blue",
  /** 发票查询 by request serial: whether a request (blue or red) took effect, and its invoice. */
  queryBySerial: "/api/v1/invoices/query",
  /** 申请红字前查蓝票信息: the blue invoice by number, with what of it is already reversed. */
  blueForRed: "/api/v1/invoices/blue-for-red",
  /** 红字信息确认单: apply for the red-letter confirmation slip; de-duplicated by hzqrdsqlsh. */
  redConfirmation: "/api/v1/red-confirmations",
  /** 红字发票开具 on a confirmed slip; de-duplicated by fpqqlsh. */
  issueRed: "/api/v1/invoices/red",
} as const;

/** Business codes (ours; see the file's comment). */
export const taxCodes = {
  ok: "0000",
  unknownAppKey: "1001",
  badSignature: "1002",
  staleTimestamp: "1003",
  nonceReused: "1004",
  malformed: "1005",
  /** 流水号重复: a request with this serial took effect before; `data` is what it produced. */
  duplicateSerial: "2001",
  notFound: "3001",
  blueNotFound: "3002",
  /** The reversal exceeds what is left of the blue invoice. */
  reversalExceedsBlue: "4001",
  /** A partial reversal's line numbers do not match the blue invoice's. */
  reversalLineMismatch: "4002",
  /** The slip is not confirmed (or not found). */
  slipNotConfirmed: "4003",
  /** The request's serial was used before for a different request. */
  serialConflict: "4004",
} as const;

/** Headers of every call (values ASCII). */
export const taxHeaders = {
  appKey: "x-tax-app-key",
  timestamp: "x-tax-timestamp",
  nonce: "x-tax-nonce",
  signature: "x-tax-signature",
} as const;

/** 货物或应税劳务 line (hwxx[]); money as decimal strings in yuan. */
export interface TaxLine {
  readonly xh: number;
  readonly xmmc: string;
  readonly sphfwssflhbbm: string;
  readonly je: string;
  readonly slv: string;
  readonly se: string;
}

/** 旅客运输服务 special elements (lkysfwtdysList[]). */
export interface TaxPassengerElement {
  readonly cxr: string;
  readonly cxrzjlxDm: string;
  readonly sfzjhm: string;
  /** "YYYY-MM-DD HH:mm:ss", Beijing time. */
  readonly chuxrq: string;
  readonly cfd: string;
  readonly ddd: string;
  readonly zwdj: string;
  readonly jtgjlxDm: string;
}

/** The blue-invoice request. */
export interface BlueRequest {
  /** 发票请求流水号, 32 characters: the channel's de-duplication key. */
  readonly fpqqlsh: string;
  readonly xsfnsrsbh: string;
  readonly xsfmc: string;
  readonly xfnsrlxdm: string;
  readonly gmfnsrsbh: string;
  readonly gmfmc: string;
  readonly fppzDm: string;
  readonly tdyslxDm: string;
  readonly kpr: string;
  readonly bz: string;
  readonly hjje: string;
  readonly hjse: string;
  readonly jshj: string;
  readonly hwxx: readonly TaxLine[];
  readonly lkysfwtdysList: readonly TaxPassengerElement[];
  /** 电子客票号: the ticket the invoice is for (the rail invoice's dzkph, used for road too). */
  readonly dzkph: string;
}

/** An invoice as the channel returns it (blue or red). */
export interface TaxInvoice extends Omit<BlueRequest, "fpqqlsh"> {
  readonly fpqqlsh: string;
  /** 20 digits. */
  readonly fphm: string;
  /** "YYYY-MM-DD HH:mm:ss", Beijing time. */
  readonly kprq: string;
  /** "Y" blue, "N" red. */
  readonly sflzfp: "Y" | "N";
  /** A red invoice's blue invoice number. */
  readonly kjhzfpdydlzfphm: string;
  readonly jshjdx: string;
  /** A red invoice's confirmation slip. */
  readonly hzqrduuid: string;
}

export interface QueryBySerialRequest {
  readonly fpqqlsh: string;
}

export interface BlueForRedRequest {
  readonly fphm: string;
}

/** The blue invoice for a reversal, with the amounts already reversed (已冲红金额/税额). */
export interface BlueForRed {
  readonly invoice: TaxInvoice;
  readonly ychje: string;
  readonly ychse: string;
}

/** 红字信息确认单 application. */
export interface RedConfirmationRequest {
  /** The slip application's own serial, 32 characters: de-duplicated like fpqqlsh. */
  readonly hzqrdsqlsh: string;
  readonly xsfnsrsbh: string;
  readonly lzfphm: string;
  readonly lzkprq: string;
  readonly lzhjje: string;
  readonly lzhjse: string;
  readonly lzfppzDm: string;
  readonly lzfpTdyslxDm: string;
  /** Negative. */
  readonly hzcxje: string;
  readonly hzcxse: string;
  readonly chyyDm: string;
  /** Partial reversal only: lines by the blue invoice's line numbers; empty for a full one. */
  readonly hzqrdmxList: readonly { readonly lzmxxh: number; readonly je: string; readonly se: string }[];
}

/** The slip: for e-invoices to individuals it is 无需确认 at once (hzqrdzt "04"). */
export interface RedConfirmation {
  readonly hzqrdsqlsh: string;
  readonly hzqrduuid: string;
  /** 01 待确认, 04 无需确认, 05 双方已确认 (confirmed states allow the red invoice). */
  readonly hzqrdzt: string;
  readonly lzfphm: string;
  readonly hzcxje: string;
  readonly hzcxse: string;
}

export interface RedRequest {
  readonly fpqqlsh: string;
  readonly hzqrduuid: string;
}
