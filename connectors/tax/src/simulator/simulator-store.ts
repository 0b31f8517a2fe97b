import Database from "better-sqlite3";
import type { RedConfirmation, TaxInvoice } from "../protocol/tax-api.js";

// The simulator's own SQLite store, as the platform keeps its books: every request that reached the
// business rules with its outcome, the invoices, the red-letter confirmation slips and the invoice
// number sequence. A request's row and what it produced are written in one transaction (see
// `transaction`), so a SIGKILL never leaves an invoice without its request or a request marked as
// done without its invoice.

const schema = `
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  -- fpqqlsh, hzqrdsqlsh or fphm: what the request is about.
  serial TEXT NOT NULL,
  -- The request's canonical JSON (canonical-json.ts): what "the same request" is compared on.
  body TEXT NOT NULL,
  code TEXT NOT NULL,
  answer TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
  fphm TEXT PRIMARY KEY,
  fpqqlsh TEXT NOT NULL UNIQUE,
  sflzfp TEXT NOT NULL CHECK (sflzfp IN ('Y', 'N')),
  kjhzfpdydlzfphm TEXT NOT NULL,
  hzqrduuid TEXT NOT NULL,
  dzkph TEXT NOT NULL,
  hjje TEXT NOT NULL,
  hjse TEXT NOT NULL,
  jshj TEXT NOT NULL,
  kprq TEXT NOT NULL,
  xsfnsrsbh TEXT NOT NULL,
  request_id INTEGER NOT NULL UNIQUE REFERENCES requests (id),
  -- The TaxInvoice as answered.
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_by_blue ON invoices (kjhzfpdydlzfphm);
CREATE TABLE IF NOT EXISTS confirmations (
  hzqrduuid TEXT PRIMARY KEY,
  hzqrdsqlsh TEXT NOT NULL UNIQUE,
  lzfphm TEXT NOT NULL REFERENCES invoices (fphm),
  hzqrdzt TEXT NOT NULL,
  hzcxje TEXT NOT NULL,
  hzcxse TEXT NOT NULL,
  -- hzqrdmxList as JSON; [] for a full reversal.
  lines TEXT NOT NULL,
  request_id INTEGER NOT NULL UNIQUE REFERENCES requests (id),
  -- The red invoice issued on the slip: at most one.
  red_fphm TEXT UNIQUE REFERENCES invoices (fphm)
);
CREATE INDEX IF NOT EXISTS confirmations_by_blue ON confirmations (lzfphm);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** One line of /admin/invoices: enough to check a run without the invoices' personal data. */
export interface InvoiceSummary {
  readonly fpqqlsh: string;
  readonly fphm: string;
  readonly sflzfp: "Y" | "N";
  readonly kjhzfpdydlzfphm: string;
  readonly dzkph: string;
  readonly hjje: string;
  readonly hjse: string;
  readonly jshj: string;
  readonly kprq: string;
  readonly xsfnsrsbh: string;
  readonly hzqrduuid: string;
}

/** A request as stored: its path and canonical body, to tell a repeat from a conflicting reuse of a serial. */
export interface StoredRequest {
  readonly path: string;
  readonly body: string;
}

/** A confirmation slip as stored. */
export interface StoredSlip {
  readonly slip: RedConfirmation;
  readonly lines: readonly { readonly lzmxxh: number; readonly je: string; readonly se: string }[];
  readonly redFphm: string | null;
  readonly request: StoredRequest;
}

export interface StoredInvoice {
  readonly invoice: TaxInvoice;
  readonly request: StoredRequest;
}

interface InvoiceRow {
  body: string;
  path: string;
  request_body: string;
}

interface SlipRow {
  hzqrduuid: string;
  hzqrdsqlsh: string;
  lzfphm: string;
  hzqrdzt: string;
  hzcxje: string;
  hzcxse: string;
  lines: string;
  red_fphm: string | null;
  path: string;
  request_body: string;
}

function toInvoice(row: InvoiceRow): StoredInvoice {
  return { invoice: JSON.parse(row.body) as TaxInvoice, request: { path: row.path, body: row.request_body } };
}

function toSlip(row: SlipRow): StoredSlip {
  return {
    slip: {
      hzqrdsqlsh: row.hzqrdsqlsh,
      hzqrduuid: row.hzqrduuid,
      hzqrdzt: row.hzqrdzt,
      lzfphm: row.lzfphm,
      hzcxje: row.hzcxje,
      hzcxse: row.hzcxse,
    },
    lines: JSON.parse(row.lines) as StoredSlip["lines"],
    redFphm: row.red_fphm,
    request: { path: row.path, body: row.request_body },
  };
}

const invoiceSelect = `SELECT i.body, r.path, r.body AS request_body FROM invoices i JOIN requests r ON r.id = i.request_id`;
const slipSelect = `SELECT c.*, r.path, r.body AS request_body FROM confirmations c JOIN requests r ON r.id = c.request_id`;

export class SimulatorStore {
  readonly #db: Database.Database;

  constructor(path: string) {
    this.#db = new Database(path);
    // As the project's services open theirs (services/kit open-sqlite.ts): WAL, and a commit on
    // disk before the answer that follows it leaves.
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.pragma("busy_timeout = 10000");
    this.#db.pragma("foreign_keys = ON");
    this.#db.exec(schema);
  }

  /** Runs `work` as one transaction (IMMEDIATE: it writes); rolled back entirely when it throws. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  /** The next 15-digit invoice sequence number; persisted, so a restart continues it. */
  nextInvoiceSequence(): number {
    const row = this.#db
      .prepare(
        `INSERT INTO counters (name, value) VALUES ('invoice', 1)
         ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
      )
      .get() as { value: number };
    return row.value;
  }

  /** Records a request with its outcome; the id links what it produced. */
  insertRequest(r: {
    readonly path: string;
    readonly serial: string;
    readonly body: string;
    readonly code: string;
    readonly answer: string;
    readonly receivedAt: number;
  }): number {
    const info = this.#db
      .prepare(
        `INSERT INTO requests (path, serial, body, code, answer, received_at)
         VALUES (@path, @serial, @body, @code, @answer, @receivedAt)`,
      )
      .run(r);
    return Number(info.lastInsertRowid);
  }

  insertInvoice(invoice: TaxInvoice, requestId: number): void {
    this.#db
      .prepare(
        `INSERT INTO invoices (fphm, fpqqlsh, sflzfp, kjhzfpdydlzfphm, hzqrduuid, dzkph, hjje, hjse, jshj, kprq,
           xsfnsrsbh, request_id, body)
         VALUES (@fphm, @fpqqlsh, @sflzfp, @kjhzfpdydlzfphm, @hzqrduuid, @dzkph, @hjje, @hjse, @jshj, @kprq,
           @xsfnsrsbh, @requestId, @body)`,
      )
      .run({
        fphm: invoice.fphm,
        fpqqlsh: invoice.fpqqlsh,
        sflzfp: invoice.sflzfp,
        kjhzfpdydlzfphm: invoice.kjhzfpdydlzfphm,
        hzqrduuid: invoice.hzqrduuid,
        dzkph: invoice.dzkph,
        hjje: invoice.hjje,
        hjse: invoice.hjse,
        jshj: invoice.jshj,
        kprq: invoice.kprq,
        xsfnsrsbh: invoice.xsfnsrsbh,
        requestId,
        body: JSON.stringify(invoice),
      });
  }

  invoiceBySerial(fpqqlsh: string): StoredInvoice | undefined {
    const row = this.#db.prepare(`${invoiceSelect} WHERE i.fpqqlsh = ?`).get(fpqqlsh) as InvoiceRow | undefined;
    return row === undefined ? undefined : toInvoice(row);
  }

  invoiceByNumber(fphm: string): StoredInvoice | undefined {
    const row = this.#db.prepare(`${invoiceSelect} WHERE i.fphm = ?`).get(fphm) as InvoiceRow | undefined;
    return row === undefined ? undefined : toInvoice(row);
  }

  /** The red invoices issued against a blue one. */
  redInvoicesOf(blueFphm: string): TaxInvoice[] {
    const rows = this.#db
      .prepare(`${invoiceSelect} WHERE i.kjhzfpdydlzfphm = ? AND i.sflzfp = 'N' ORDER BY i.fphm`)
      .all(blueFphm) as InvoiceRow[];
    return rows.map((r) => toInvoice(r).invoice);
  }

  insertSlip(slip: RedConfirmation, lines: StoredSlip["lines"], requestId: number): void {
    this.#db
      .prepare(
        `INSERT INTO confirmations (hzqrduuid, hzqrdsqlsh, lzfphm, hzqrdzt, hzcxje, hzcxse, lines, request_id)
         VALUES (@hzqrduuid, @hzqrdsqlsh, @lzfphm, @hzqrdzt, @hzcxje, @hzcxse, @lines, @requestId)`,
      )
      .run({ ...slip, lines: JSON.stringify(lines), requestId });
  }

  slipBySerial(hzqrdsqlsh: string): StoredSlip | undefined {
    const row = this.#db.prepare(`${slipSelect} WHERE c.hzqrdsqlsh = ?`).get(hzqrdsqlsh) as SlipRow | undefined;
    return row === undefined ? undefined : toSlip(row);
  }

  slipById(hzqrduuid: string): StoredSlip | undefined {
    const row = this.#db.prepare(`${slipSelect} WHERE c.hzqrduuid = ?`).get(hzqrduuid) as SlipRow | undefined;
    return row === undefined ? undefined : toSlip(row);
  }

  /** Every slip applied for against a blue invoice, used or not. */
  slipsOf(blueFphm: string): StoredSlip[] {
    const rows = this.#db.prepare(`${slipSelect} WHERE c.lzfphm = ? ORDER BY c.request_id`).all(blueFphm) as SlipRow[];
    return rows.map(toSlip);
  }

  /** Marks the slip used by a red invoice; false when it already was. */
  markSlipUsed(hzqrduuid: string, redFphm: string): boolean {
    const info = this.#db
      .prepare(`UPDATE confirmations SET red_fphm = ? WHERE hzqrduuid = ? AND red_fphm IS NULL`)
      .run(redFphm, hzqrduuid);
    return info.changes === 1;
  }

  invoices(): InvoiceSummary[] {
    return this.#db
      .prepare(
        `SELECT fpqqlsh, fphm, sflzfp, kjhzfpdydlzfphm, dzkph, hjje, hjse, jshj, kprq, xsfnsrsbh, hzqrduuid
         FROM invoices ORDER BY fphm`,
      )
      .all() as InvoiceSummary[];
  }

  counts(): { readonly blue: number; readonly red: number; readonly confirmations: number } {
    const count = (sql: string) => (this.#db.prepare(sql).get() as { n: number }).n;
    return {
      blue: count(`SELECT count(*) AS n FROM invoices WHERE sflzfp = 'Y'`),
      red: count(`SELECT count(*) AS n FROM invoices WHERE sflzfp = 'N'`),
      confirmations: count(`SELECT count(*) AS n FROM confirmations`),
    };
  }

  close(): void {
    this.#db.close();
  }
}
