import { BACKGROUND_LOCK } from "../db/advisory-locks.js";
import type { Db } from "../db/db.js";

/** Events deleted per statement, so one sweep never holds many locks for long. */
const BATCH = 5000;

/**
 * Deletes events older than their stream's event_retention_ms, with the dead letters that point
 * at them (a consumer that fell that far behind loses those events; records are never expired).
 * A delivery of a deleted event is dropped by the consumer's next lease (migration 0009). One
 * server at a time. Returns how many events were deleted.
 */
export async function sweepRetention(db: Db): Promise<number> {
  const { rows: streams } = await db.query<{
    account_id: string;
    id: string;
    event_retention_ms: number;
  }>("SELECT account_id, id, event_retention_ms FROM streams");
  let total = 0;
  for (const stream of streams) {
    for (;;) {
      const deleted = await db.transaction(async (tx) => {
        const { rows: lock } = await tx.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_xact_lock($1, 2) AS ok",
          [BACKGROUND_LOCK],
        );
        if (!lock[0]?.ok) return 0;
        const { rows } = await tx.query<{ n: number }>(
          `WITH ev AS (
             DELETE FROM events
             WHERE account_id = $1 AND stream_id = $2 AND seq IN (
               SELECT seq FROM events
               WHERE account_id = $1 AND stream_id = $2
                 AND inserted_at < now() - $3::float8 * interval '1 millisecond'
               ORDER BY inserted_at LIMIT $4)
             RETURNING seq
           ), k AS MATERIALIZED (
             SELECT c.account_id, c.id AS consumer_id, ev.seq
             FROM consumers c CROSS JOIN ev
             WHERE c.account_id = $1 AND c.stream_id = $2 AND c.kind = 'event'
           ), dl AS (
             -- A dead letter's seq is its delivery's position, not the event's (migration 0007).
             DELETE FROM dead_letters d USING k
             WHERE d.account_id = k.account_id AND d.consumer_id = k.consumer_id
               AND d.event_seq = k.seq
           )
           SELECT count(*)::int AS n FROM ev`,
          [stream.account_id, stream.id, stream.event_retention_ms, BATCH],
        );
        return rows[0]?.n ?? 0;
      });
      total += deleted;
      if (deleted < BATCH) break;
    }
  }
  return total;
}

/** Forgets idempotency keys past their 24 hours. Returns how many. */
export async function expireIdempotencyKeys(db: Db): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM idempotency_keys WHERE expires_at <= now()");
  return rowCount;
}
