import { STREAM_WRITE_LOCK } from "../db/advisory-locks.js";
import type { Db } from "../db/db.js";
import { isLockTimeout } from "../db/errors.js";

/**
 * Raises each consumer's scan_from_seq (migration 0005) to the seq of its oldest live row, one
 * stream at a time, under the stream's write lock. Returns how many consumers moved.
 *
 * Why this is safe: every insert into consumer_messages happens under the write lock of the
 * consumer's stream (writes, backfills, redrives), and its seq is drawn under that lock. Holding
 * the lock, this statement's snapshot sees every row that was ever given a seq, so the oldest
 * live row it finds is the oldest there is; a writer after it draws a larger seq; and a redrive,
 * which puts rows back below the bound, lowers the bound in its own transaction. A consumer with
 * no live row keeps its bound. Only rows at or above the old bound are read: the walk covers the
 * rows finished since the last run, once.
 */
export async function advanceScanFrom(db: Db): Promise<number> {
  const { rows: streams } = await db.query<{ account_id: string; stream_id: string }>(
    "SELECT DISTINCT account_id, stream_id FROM consumers",
  );
  let moved = 0;
  for (const { account_id, stream_id } of streams) {
    try {
      moved += await db.transaction(async (tx) => {
        // A writer holding the stream for long only delays this stream's turn.
        await tx.query("SET LOCAL lock_timeout = '1s'");
        await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
          STREAM_WRITE_LOCK,
          stream_id,
        ]);
        const { rowCount } = await tx.query(
          `UPDATE consumers c SET scan_from_seq = n.seq
           FROM (SELECT c2.id, (SELECT m.seq FROM consumer_messages m
                                WHERE m.account_id = c2.account_id AND m.consumer_id = c2.id
                                  AND m.seq >= c2.scan_from_seq
                                ORDER BY m.seq LIMIT 1) AS seq
                 FROM consumers c2 WHERE c2.account_id = $1 AND c2.stream_id = $2) n
           WHERE c.account_id = $1 AND c.id = n.id AND n.seq > c.scan_from_seq`,
          [account_id, stream_id],
        );
        return rowCount ?? 0;
      });
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
    }
  }
  return moved;
}
