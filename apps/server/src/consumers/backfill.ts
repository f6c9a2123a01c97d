import type { Queryable } from "../db/db.js";
import type { ConsumerRow } from "./consumer-row.js";
import { filterMatch } from "./filters-sql.js";
import { orderKeySql } from "./order-key-sql.js";

/**
 * `deliver_policy: all`: makes every record (in its current version, tombstones included) or
 * every retained event of the stream that passes the filters pending, in one INSERT ... SELECT.
 * Runs in the creating transaction under the stream lock.
 */
export async function backfill(
  tx: Queryable,
  accountId: string,
  consumer: ConsumerRow,
): Promise<void> {
  const params = [
    accountId,
    consumer.id,
    consumer.stream_id,
    consumer.filter_collection_id,
    consumer.filter_resource_id,
    consumer.filter_provider,
    consumer.filter_sync_id,
    consumer.ordering,
    consumer.key_path,
  ];
  const f =
    "(SELECT $4::text AS filter_collection_id, $5::text AS filter_resource_id, $6::text AS filter_provider, $7::text AS filter_sync_id, " +
    "$8::text AS ordering, $9::text[] AS key_path)";
  if (consumer.kind === "record") {
    await tx.query(
      `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
       SELECT $1, $2, r.updated_idx, r.id, r.updated_idx
       FROM records r, ${f} c
       WHERE r.account_id = $1 AND r.stream_id = $3 AND ${filterMatch("c", "r")}`,
      params,
    );
  } else {
    await tx.query(
      `INSERT INTO consumer_messages (account_id, consumer_id, seq, event_seq, order_key)
       SELECT $1, $2, e.seq, e.seq, ${orderKeySql("c", "e")}
       FROM events e, ${f} c
       WHERE e.account_id = $1 AND e.stream_id = $3 AND ${filterMatch("c", "e")}`,
      params,
    );
  }
}
