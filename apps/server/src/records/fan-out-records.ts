import { filterMatch } from "../consumers/filters-sql.js";
import type { Queryable } from "../db/db.js";

/** The final version of a record changed by a write, with what filters look at. */
export interface ChangedRecord {
  id: string;
  updated_idx: number;
  collection_id: string;
  resource_id: string | null;
  provider: string | null;
  sync_id: string | null;
}

/**
 * Makes each changed record pending in every record consumer of the stream whose filters match,
 * in the writer's transaction. A consumer that already has a row for the record (pending or
 * leased) keeps it and learns the newest version (`record_idx`): the lease reads the current
 * record, and an ack of an older version makes the row pending again instead of deleting it.
 */
export async function fanOutRecords(
  tx: Queryable,
  accountId: string,
  streamId: string,
  changed: ChangedRecord[],
): Promise<void> {
  if (changed.length === 0) return;
  const ids = changed.map((r) => r.id);
  // Lock the existing rows first, in (consumer, seq) order: acks and nacks lock in seq order too,
  // so the update below can wait on them but never deadlock with them. The keys are materialised
  // and consumer_id is compared in a form no index uses, so each row is found through
  // consumer_messages_by_record (account, record, consumer), whatever the statistics say (0004).
  await tx.query(
    `WITH k AS MATERIALIZED (
       SELECT c.account_id, c.id AS consumer_id, r.id AS record_id
       FROM consumers c CROSS JOIN unnest($3::uuid[]) AS r(id)
       WHERE c.account_id = $1 AND c.stream_id = $2 AND c.kind = 'record'
     )
     SELECT m.seq FROM k
     JOIN consumer_messages m
       ON m.account_id = k.account_id AND m.record_id = k.record_id
      AND m.consumer_id IS NOT DISTINCT FROM k.consumer_id
     ORDER BY m.consumer_id, m.seq
     FOR UPDATE OF m`,
    [accountId, streamId, ids],
  );
  await tx.query(
    `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
     SELECT $1, c.id, w.updated_idx, w.id, w.updated_idx
     FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
       AS w(id, updated_idx, collection_id, resource_id, provider, sync_id)
     JOIN consumers c ON c.account_id = $1 AND c.stream_id = $2 AND c.kind = 'record'
       AND ${filterMatch("c", "w")}
     ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
     DO UPDATE SET record_idx = GREATEST(consumer_messages.record_idx, EXCLUDED.record_idx)`,
    [
      accountId,
      streamId,
      ids,
      changed.map((r) => r.updated_idx),
      changed.map((r) => r.collection_id),
      changed.map((r) => r.resource_id),
      changed.map((r) => r.provider),
      changed.map((r) => r.sync_id),
    ],
  );
}
