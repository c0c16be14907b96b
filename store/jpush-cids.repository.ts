/** `jpush_cids`: the JPush push id (`cid`) issued for each touch, kept before the push goes out. */
import type { Queryable } from './queryable.js';

/** The cid a touch pushes under, and when it was issued (JPush honours a cid for one day). */
export interface JpushCid {
  cid: string;
  issuedAt: Date;
}

export class JpushCidsRepository {
  constructor(private readonly db: Queryable) {}

  /** The cid kept for the touch `idempotencyKey`, if a try got one. */
  async cidOf(idempotencyKey: string): Promise<JpushCid | null> {
    const rows: { cid: string; created_at: Date }[] = await this.db.query(
      `SELECT cid, created_at FROM jpush_cids WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return rows[0] ? { cid: rows[0].cid, issuedAt: rows[0].created_at } : null;
  }

  /** Keeps `cid` for the touch unless one is kept already; answers the cid the touch must use. */
  async keep(idempotencyKey: string, cid: string): Promise<JpushCid> {
    await this.db.query(`INSERT INTO jpush_cids (idempotency_key, cid) VALUES ($1, $2) ON CONFLICT (idempotency_key) DO NOTHING`, [idempotencyKey, cid]);
    const kept = await this.cidOf(idempotencyKey);
    if (!kept) throw new Error(`the JPush cid of ${idempotencyKey} was not kept`);
    return kept;
  }
}
