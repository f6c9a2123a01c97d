import type { Queryable } from "../db/db.js";
import { type EventRow, eventColumns } from "./event-row.js";

/**
 * One event to store: an `EventRow` before insertion. `seq` comes from {@link allocateSeqs}; the
 * stream and insertion time are set by the insert; `upstream_updated_at` is sent as text, so no
 * precision is lost.
 */
export type NewEvent = Omit<
  EventRow,
  "stream_id" | "inserted_at" | "upstream_updated_at" | "sync"
> & {
  upstream_updated_at: string | null;
  sync: { id: string } | null;
};

const json = (value: unknown) =>
  value === null || value === undefined ? null : JSON.stringify(value);

/** The columns an event source gives {@link insertEventsCte}, in this order. */
const EVENT_SOURCE_COLUMNS =
  "seq, record_id, collection_id, resource_id, provider, upstream_id, action, changes, data, updated_idx, upstream_updated_at, sync";

/**
 * A CTE, `ev`: stores the events of `source` (a relation with the columns of
 * EVENT_SOURCE_COLUMNS, in that order; changes, data, upstream_updated_at and sync may be text,
 * cast here) and returns them; the record write (migration 0028) stores events with the same
 * columns. `account` and `stream` are SQL expressions.
 */
export function insertEventsCte(account: string, stream: string, source: string): string {
  return `ev AS (
       INSERT INTO events (account_id, stream_id, seq, record_id, collection_id, resource_id, provider,
                           upstream_id, action, changes, data, updated_idx, upstream_updated_at, sync)
       SELECT ${account}, ${stream}, e.seq, e.record_id, e.collection_id, e.resource_id, e.provider, e.upstream_id,
              e.action, e.changes::jsonb, e.data::jsonb, e.updated_idx, e.upstream_updated_at::timestamptz,
              e.sync::jsonb
       FROM ${source} AS e(${EVENT_SOURCE_COLUMNS})
       RETURNING *
     )`;
}

/** The parallel arrays of {@link insertEventsCte}'s source in INSERT_EVENTS, in its order. */
export function eventArrays(events: NewEvent[]): unknown[] {
  return [
    events.map((e) => e.seq),
    events.map((e) => e.record_id),
    events.map((e) => e.collection_id),
    events.map((e) => e.resource_id),
    events.map((e) => e.provider),
    events.map((e) => e.upstream_id),
    events.map((e) => e.action),
    events.map((e) => json(e.changes)),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => e.updated_idx),
    events.map((e) => e.upstream_updated_at),
    events.map((e) => json(e.sync)),
  ];
}

const INSERT_EVENTS = `WITH ${insertEventsCte(
  "$1",
  "$2",
  `unnest($3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
          $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[])`,
)}
SELECT ${eventColumns()} FROM ev ORDER BY seq`;

/**
 * Stores events in one statement (event consumers read them from the log). The caller holds the
 * stream lock (see lockStream).
 */
export async function insertEvents(
  tx: Queryable,
  accountId: string,
  streamId: string,
  events: NewEvent[],
): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const { rows } = await tx.query<EventRow>(INSERT_EVENTS, [
    accountId,
    streamId,
    ...eventArrays(events),
  ]);
  return rows;
}

/** Draws `records` record versions and `events` event positions, each ascending. */
export async function allocateSeqs(
  tx: Queryable,
  records: number,
  events: number,
): Promise<{ versions: number[]; seqs: number[] }> {
  if (records === 0 && events === 0) return { versions: [], seqs: [] };
  const { rows } = await tx.query<{ versions: string[] | number[]; seqs: string[] | number[] }>(
    `SELECT ARRAY(SELECT nextval('record_version_seq') FROM generate_series(1, $1)) AS versions,
            ARRAY(SELECT nextval('event_seq') FROM generate_series(1, $2)) AS seqs`,
    [records, events],
  );
  const row = rows[0]!;
  const sorted = (values: Array<string | number>) => values.map(Number).sort((a, b) => a - b);
  return { versions: sorted(row.versions), seqs: sorted(row.seqs) };
}
