import type { Db } from "../db/db.js";
import { EXACT_PENDING_UP_TO } from "../delivery/counts.js";
import type { AppMetrics } from "./metrics.js";

interface ConsumerCounts {
  account_id: string;
  consumer_id: string;
  name: string;
  live: number;
  leased: number;
  dead: number;
}

/**
 * Every consumer's counts in one statement: live and leased from sequin_window_state_v2
 * (migration 0008, exact up to EXACT_PENDING_UP_TO pending), dead letters on their primary key.
 */
const CONSUMER_COUNTS_SQL = `
SELECT c.account_id, c.id AS consumer_id, c.name, w.live, w.leased,
       (SELECT count(*) FROM dead_letters x
        WHERE x.account_id = c.account_id AND x.consumer_id = c.id)::bigint AS dead
FROM consumers c
CROSS JOIN LATERAL sequin_window_state_v2(c.account_id, c.id, ${EXACT_PENDING_UP_TO}) w`;

/** Reads the per-consumer gauges and the pool's use just before a scrape is answered. */
export async function refreshGauges(db: Db, metrics: AppMetrics): Promise<void> {
  const pool = db.poolStats?.();
  if (pool) {
    metrics.poolConnections.set({ state: "total" }, pool.total);
    metrics.poolConnections.set({ state: "idle" }, pool.idle);
    metrics.poolWaiting.set(pool.waiting);
  }
  // Reset first: a deleted consumer's series must disappear, not stay at its last value.
  metrics.pending.reset();
  metrics.ackPending.reset();
  metrics.deadLetters.reset();
  try {
    const { rows } = await db.query<ConsumerCounts>(CONSUMER_COUNTS_SQL);
    for (const row of rows) {
      const labels = {
        account_id: row.account_id,
        consumer_id: row.consumer_id,
        consumer: row.name,
      };
      const leased = Number(row.leased);
      metrics.pending.set(labels, Math.max(Number(row.live) - leased, 0));
      metrics.ackPending.set(labels, leased);
      metrics.deadLetters.set(labels, Number(row.dead));
    }
    metrics.consumerScrapeUp.set(1);
  } catch (err) {
    metrics.consumerScrapeUp.set(0);
    throw err;
  }
}
