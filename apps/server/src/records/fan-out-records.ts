import { filterMatch } from "../consumers/filters-sql.js";

/** Where the fan-out statements read their inputs: PL/pgSQL names of the write routine. */
export interface FanOutArgs {
  account: string;
  stream: string;
  /** Parallel arrays: uuid[] id, bigint[] updated_idx, text[] collection_id, resource_id, provider, sync_id. */
  arrays: readonly [string, string, string, string, string, string];
}

/**
 * Locks the rows that record consumers of the stream already have for the changed records, in
 * (consumer, seq) order: acks and nacks lock in seq order too, so the insert that follows can
 * wait on them but never deadlock with them. The keys are materialised and consumer_id is
 * compared in a form no index uses, so each row is found through consumer_messages_by_record
 * (account, record, consumer), whatever the statistics say (0004). Ends with `finish`, over the
 * locked rows `locked`.
 */
export function fanOutLockSql({ account, stream, arrays }: FanOutArgs, finish: string): string {
  return `WITH k AS MATERIALIZED (
       SELECT c.account_id, c.id AS consumer_id, r.id AS record_id
       FROM consumers c CROSS JOIN unnest(${arrays[0]}::uuid[]) AS r(id)
       WHERE c.account_id = ${account} AND c.stream_id = ${stream} AND c.kind = 'record' AND c.core = 'fanout'
     )
     ${finish} FROM (
       SELECT m.seq FROM k
       JOIN consumer_messages m
         ON m.account_id = k.account_id AND m.record_id = k.record_id
        AND m.consumer_id IS NOT DISTINCT FROM k.consumer_id
       ORDER BY m.consumer_id, m.seq
       FOR UPDATE OF m
     ) locked`;
}

/**
 * Makes each changed record pending in every record consumer of the stream whose filters match.
 * A consumer that already has a row for the record (pending or leased) keeps it and learns the
 * newest version (`record_idx`): the lease reads the current record, and an ack of an older
 * version makes the row pending again instead of deleting it. Runs after {@link fanOutLockSql}.
 */
export function fanOutInsertSql({ account, stream, arrays: a }: FanOutArgs): string {
  return `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
     SELECT ${account}, c.id, w.updated_idx, w.id, w.updated_idx
     FROM unnest(${a[0]}::uuid[], ${a[1]}::bigint[], ${a[2]}::text[], ${a[3]}::text[], ${a[4]}::text[], ${a[5]}::text[])
       AS w(id, updated_idx, collection_id, resource_id, provider, sync_id)
     JOIN consumers c ON c.account_id = ${account} AND c.stream_id = ${stream} AND c.kind = 'record'
       AND c.core = 'fanout'
       AND ${filterMatch("c", "w")}
     ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
     DO UPDATE SET record_idx = GREATEST(consumer_messages.record_idx, EXCLUDED.record_idx)`;
}
