import { BACKGROUND_LOCK } from "../db/advisory-locks.js";
import type { Db } from "../db/db.js";

/**
 * Moves the live-row deltas into consumers.message_count in one statement (a read sums counter
 * and deltas in one snapshot, so it sees either both or neither), and deletes lease deltas that
 * ran out. One server at a time. Returns how many live-row delta rows were folded.
 */
export async function foldCounters(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows: lock } = await tx.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_xact_lock($1, 1) AS ok",
      [BACKGROUND_LOCK],
    );
    if (!lock[0]?.ok) return 0;
    const { rows } = await tx.query<{ folded: number }>(
      `WITH d AS (
         DELETE FROM consumer_counter_deltas RETURNING account_id, consumer_id, delta
       ), s AS (
         SELECT account_id, consumer_id, sum(delta)::bigint AS delta, count(*) AS n FROM d GROUP BY account_id, consumer_id
       ), u AS (
         UPDATE consumers c SET message_count = c.message_count + s.delta
         FROM s WHERE c.account_id = s.account_id AND c.id = s.consumer_id
       )
       SELECT coalesce(sum(n), 0)::int AS folded FROM s`,
    );
    // Lease deltas that ran out are outside every range a later count reads (migration 0006).
    await tx.query(
      "DELETE FROM consumer_lease_deltas WHERE leased_until < statement_timestamp() - interval '1 minute'",
    );
    return rows[0]?.folded ?? 0;
  });
}
