import type { TaxpayerType } from "@hutong/proto";

/**
 * How a province's e-ticket service has its tickets invoiced (docs/connectors.md §3): through
 * which tax party, as which seller, at which rate. The rate is the seller's, never hard-coded
 * (domain.md §3.3: 9% for a general taxpayer, 3% under simplified tax).
 */
export interface InvoiceSettings {
  /** The tax channel's party ("tax:chinatax"), reached through the province's gateway. */
  readonly party: string;
  readonly seller: { readonly taxId: string; readonly name: string; readonly taxpayerType: TaxpayerType };
  /** "0.09". */
  readonly taxRate: string;
  /** 商品和服务税收分类合并编码: 3010101020101000000 长途汽车旅客运输服务 by default. */
  readonly taxClassificationCode: string;
  readonly itemName: string;
  /** 开票人: a role name, not a person's. */
  readonly clerk: string;
  /**
   * A refund that keeps a fee: a partial red-letter reversal of what was refunded ("partial"), or
   * a full reversal and a new blue invoice for the fee ("red-and-blue"), as local practice asks.
   */
  readonly refundWithFee: "partial" | "red-and-blue";
}
