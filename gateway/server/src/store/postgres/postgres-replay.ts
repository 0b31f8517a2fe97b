import type { ReplayEntry, ReplayStore } from "../port/replay-store.js";
import { StoreError } from "../port/store-error.js";
import type { Queryable } from "./postgres-outbox.js";

const pairKey = (e: ReplayEntry) => `${Buffer.from(e.session).toString("hex")}:${Buffer.from(e.nonce).toString("hex")}`;

function checkEntry(e: ReplayEntry): void {
  if (!(e.session instanceof Uint8Array) || e.session.length === 0 || e.session.length > 64) {
    throw new StoreError("invalid-argument", "a replay entry's session must be 1 to 64 bytes");
  }
  if (!(e.nonce instanceof Uint8Array) || e.nonce.length === 0 || e.nonce.length > 64) {
    throw new StoreError("invalid-argument", "a replay entry's nonce must be 1 to 64 bytes");
  }
  if (!Number.isSafeInteger(e.expiresMs)) throw new StoreError("invalid-argument", "expiresMs must be an integer");
}

/**
 * The shared replay window on PostgreSQL: one INSERT … ON CONFLICT per batch. A pair already there
 * but expired is taken over (its call could no longer pass the timestamp check, so it is fresh
 * again); one still live is left alone and reported used. Two replicas inserting the same pair at
 * once cannot both win: the second waits on the first's key, then finds it live. Each batch is
 * sorted, so concurrent batches take their key locks in one order and cannot deadlock.
 */
export function createPostgresReplayStore(table: string, db: Queryable): ReplayStore {
  return {
    async admitNonces(entries, nowMs) {
      entries.forEach(checkEntry);
      const fresh = new Array<boolean>(entries.length).fill(false);
      // A pair twice in one batch: the first is the call, the second its replay (and one
      // statement may not touch a row twice).
      const first = new Map<string, number>();
      entries.forEach((e, i) => {
        const k = pairKey(e);
        if (!first.has(k)) first.set(k, i);
      });
      if (first.size === 0) return fresh;
      const order = [...first.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i);
      const pick = <T>(f: (e: ReplayEntry) => T) => order.map((i) => f(entries[i] as ReplayEntry));
      const { rows } = await db.query(
        `INSERT INTO ${table} AS r (session, nonce, expires_ms)
         SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[])
         ON CONFLICT (session, nonce) DO UPDATE SET expires_ms = EXCLUDED.expires_ms WHERE r.expires_ms <= $4
         RETURNING session, nonce`,
        [pick((e) => Buffer.from(e.session)), pick((e) => Buffer.from(e.nonce)), pick((e) => e.expiresMs), nowMs],
      );
      const admitted = new Set(
        (rows as { session: Uint8Array; nonce: Uint8Array }[]).map((r) => pairKey({ ...r, expiresMs: 0 })),
      );
      for (const [k, i] of first) fresh[i] = admitted.has(k);
      return fresh;
    },
    async purgeNonces(nowMs) {
      const { rowCount } = await db.query(`DELETE FROM ${table} WHERE expires_ms <= $1`, [nowMs]);
      return rowCount ?? 0;
    },
  };
}
