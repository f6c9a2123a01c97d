import type { DeadLetter } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { iso, prefixed, unprefix } from "../db/rows.js";
import { type EventRow, eventColumns, toEvent } from "../events/event-row.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";

/** A page of dead letters in message order (seq), with each record in its current version. */
export async function listDeadLetters(
  q: Queryable,
  accountId: string,
  consumerId: string,
  options: { after: number | undefined; limit: number },
): Promise<Array<DeadLetter & { key: number }>> {
  const { rows } = await q.query<
    Record<string, unknown> & {
      seq: number;
      deliver_count: number;
      dead_at: Date;
      cause: DeadLetter["cause"];
      last_error: string | null;
    }
  >(
    `WITH d AS MATERIALIZED (
       SELECT account_id, seq, record_id, event_seq, deliver_count, dead_at, cause, last_error FROM dead_letters
       WHERE account_id = $1 AND consumer_id = $2 AND seq > $3
       ORDER BY seq LIMIT $4
     )
     SELECT d.seq, d.deliver_count, d.dead_at, d.cause, d.last_error, ${prefixed(recordColumns(), "r.", "r_")}, ${prefixed(eventColumns(), "e.", "e_")}
     FROM d
     LEFT JOIN records r ON r.account_id = d.account_id AND r.id = d.record_id
     LEFT JOIN events e ON e.account_id = d.account_id AND e.seq = d.event_seq
     ORDER BY d.seq`,
    [accountId, consumerId, options.after ?? 0, options.limit + 1],
  );
  return rows.map((row) => {
    const letter: DeadLetter & { key: number } = {
      key: Number(row.seq),
      id: String(row.seq),
      deliver_count: row.deliver_count,
      dead_at: iso(row.dead_at),
      cause: row.cause,
      last_error: row.last_error,
    };
    if (row.r_id != null) letter.record = toRecord(unprefix<RecordRow>(row, "r_"));
    if (row.e_seq != null) letter.event = toEvent(unprefix<EventRow>(row, "e_"));
    return letter;
  });
}

/**
 * Makes dead letters deliverable again with a fresh delivery count (sequin_window_redrive_v1,
 * migration 0014): all of them, or those of the given ids. Returns how many were redriven.
 */
export async function redrive(
  tx: Queryable,
  accountId: string,
  consumer: { id: string },
  ids: string[] | undefined,
): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    "SELECT sequin_window_redrive_v1($1, $2, $3::bigint[]) AS n",
    [accountId, consumer.id, ids ?? null],
  );
  return rows[0]?.n ?? 0;
}
