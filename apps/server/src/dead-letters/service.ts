import type { DeadLetter } from "../api-types.js";
import { orderKeySql } from "../consumers/order-key-sql.js";
import type { Queryable } from "../db/db.js";
import { iso, prefixed, unprefix } from "../db/rows.js";
import { type EventRow, eventColumns, toEvent } from "../events/event-row.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";
import { lockStream } from "../streams/service.js";

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
 * Makes dead letters pending again with a fresh delivery count, in their old place in the order.
 * A record that was written again meanwhile already has a pending row: that one stays. An event
 * of a per_key consumer goes to the back of its key's line instead (a fresh seq): in its old
 * place it would be the head of its key while a later message of the key may be leased.
 */
export async function redrive(
  tx: Queryable,
  accountId: string,
  consumer: { id: string; stream_id: string; core: "fanout" | "window" },
  ids: string[] | undefined,
): Promise<number> {
  if (consumer.core === "window") {
    const { rows } = await tx.query<{ n: number }>(
      "SELECT sequin_window_redrive_v1($1, $2, $3::bigint[]) AS n",
      [accountId, consumer.id, ids ?? null],
    );
    return rows[0]?.n ?? 0;
  }
  // Rows go back under the stream's write lock, like every insert of consumer rows. Below the
  // consumer's scan_from_seq they lower it (the trigger of migration 0005).
  await lockStream(tx, accountId, consumer.stream_id);
  const { rows } = await tx.query<{ count: number }>(
    `WITH d AS (
       DELETE FROM dead_letters
       WHERE account_id = $1 AND consumer_id = $2 AND ($3::bigint[] IS NULL OR seq = ANY($3::bigint[]))
       RETURNING account_id, consumer_id, seq, record_id, event_seq
     ), back AS (
       INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx, event_seq, order_key)
       SELECT account_id, consumer_id,
              CASE WHEN order_key IS NULL THEN seq ELSE nextval('event_seq') END,
              record_id, record_idx, event_seq, order_key
       FROM (
         SELECT d.account_id, d.consumer_id, d.seq, d.record_id, r.updated_idx AS record_idx, d.event_seq,
                ${orderKeySql("c", "e")} AS order_key
         FROM d
         JOIN consumers c ON c.account_id = d.account_id AND c.id = d.consumer_id
         LEFT JOIN records r ON r.account_id = d.account_id AND r.id = d.record_id
         LEFT JOIN events e ON e.account_id = d.account_id AND e.seq = d.event_seq
         WHERE r.id IS NOT NULL OR e.seq IS NOT NULL
         ORDER BY d.seq
       ) back_in_order
       ON CONFLICT DO NOTHING
     )
     SELECT count(*)::int AS count FROM d`,
    [accountId, consumer.id, ids ?? null],
  );
  return rows[0]?.count ?? 0;
}
