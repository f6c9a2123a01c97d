import { randomUUID } from "node:crypto";
import type { RecordInput, RecordUpsertResult, SequinRecord } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { allocateSeqs, insertEvents, type NewEvent } from "../events/insert-events.js";
import { lockStream } from "../streams/service.js";
import { type ChangedRecord, fanOutRecords } from "./fan-out-records.js";
import { changedFields, jsonEqual } from "./json-diff.js";
import { type RecordRow, recordColumns, toRecord } from "./record-row.js";

/** What {@link writeRecords} did. */
export interface WriteRecordsResult {
  /** One per input, in request order (the body of the upsert answer). */
  results: RecordUpsertResult[];
  /** Each input's record as it is after the batch, in request order. */
  records: SequinRecord[];
  /** Whether anything really changed: then consumers of the stream must be woken after commit. */
  changed: boolean;
}

type Sync = { id: string } | null;

/** A record version number, known only once the batch is planned and the sequence drawn. */
interface Version {
  idx: number;
}

/** The state of one record while the batch is applied in request order. */
interface Current {
  id: string;
  isNew: boolean;
  dirty: boolean;
  version: Version;
  collection_id: string;
  upstream_id: string;
  resource_id: string | null;
  provider: string | null;
  createdText: string | null;
  updatedText: string | null;
  updatedMs: number | null;
  deleted: boolean;
  data: Record<string, unknown>;
  sync: Sync;
}

interface PlannedEvent {
  version: Version;
  record: Current;
  action: "created" | "updated" | "deleted";
  changes: Record<string, unknown> | null;
}

const keyOf = (collection: string, upstream: string) => JSON.stringify([collection, upstream]);

function fromRow(row: RecordRow & { uca_text: string | null; uua_text: string | null }): Current {
  return {
    id: row.id,
    isNew: false,
    dirty: false,
    version: { idx: Number(row.updated_idx) },
    collection_id: row.collection_id,
    upstream_id: row.upstream_id,
    resource_id: row.resource_id,
    provider: row.provider,
    createdText: row.uca_text,
    updatedText: row.uua_text,
    updatedMs: row.upstream_updated_at ? new Date(row.upstream_updated_at).getTime() : null,
    deleted: row.deleted,
    data: row.data,
    sync: (row.sync as Sync) ?? null,
  };
}

/** `undefined` (field left out) keeps the stored value; `null` clears it. */
const keep = <T>(input: T | undefined, stored: T): T => (input === undefined ? stored : input);

/**
 * Upserts a batch of records in the caller's transaction (the record-write path of the upsert
 * route, reusable by mutations). Identity is (stream, collection_id, upstream_id). Per record, in
 * request order: unknown -> `inserted`; older `upstream_updated_at` than stored -> `stale`
 * (ignored); same `data` and `deleted` -> `unchanged` (no version, event or redelivery); else
 * `updated`. Every real change gets a new `updated_idx`, appends a created/updated/deleted event
 * and is fanned out to matching consumers. Writers of one stream are serialised by the stream
 * lock, and the existing rows are locked in key order, so concurrent first inserts of one key and
 * concurrent updates cannot race. The caller publishes the wake-up after commit when `changed`.
 */
export async function writeRecords(
  tx: Queryable,
  accountId: string,
  streamId: string,
  inputs: RecordInput[],
): Promise<WriteRecordsResult> {
  await lockStream(tx, accountId, streamId);

  const keys = [...new Map(inputs.map((r) => [keyOf(r.collection_id, r.upstream_id), r])).values()];
  const { rows: existing } = await tx.query<
    RecordRow & { uca_text: string | null; uua_text: string | null }
  >(
    // Each record must be found through the identity index, whatever the statistics say. The keys
    // are materialised (no constants for the planner to combine), and stream_id is compared with
    // IS NOT DISTINCT FROM, which no index can use: otherwise (account_id, stream_id) is also a
    // prefix of records_by_version, and a planner without statistics may pick that index and walk
    // the whole stream once per key.
    `WITH k AS MATERIALIZED (
       SELECT $1::uuid AS account_id, $2::uuid AS stream_id, k.collection_id, k.upstream_id
       FROM unnest($3::text[], $4::text[]) AS k(collection_id, upstream_id)
     )
     SELECT ${recordColumns("r.")}, r.upstream_created_at::text AS uca_text, r.upstream_updated_at::text AS uua_text
     FROM k JOIN records r
       ON r.account_id = k.account_id AND r.collection_id = k.collection_id AND r.upstream_id = k.upstream_id
      AND r.stream_id IS NOT DISTINCT FROM k.stream_id
     ORDER BY r.collection_id, r.upstream_id
     FOR UPDATE OF r`,
    [accountId, streamId, keys.map((r) => r.collection_id), keys.map((r) => r.upstream_id)],
  );
  const rowsById = new Map(existing.map((row) => [row.id, row as RecordRow]));
  const state = new Map(
    existing.map((row) => [keyOf(row.collection_id, row.upstream_id), fromRow(row)]),
  );

  const planned: PlannedEvent[] = [];
  const outcomes: Array<{
    current: Current;
    version: Version;
    result: RecordUpsertResult["result"];
  }> = [];
  for (const input of inputs) {
    const key = keyOf(input.collection_id, input.upstream_id);
    const current = state.get(key);
    const deleted = input.deleted ?? false;
    const updatedMs = input.upstream_updated_at ? Date.parse(input.upstream_updated_at) : null;
    if (!current) {
      const created: Current = {
        id: randomUUID(),
        isNew: true,
        dirty: true,
        version: { idx: 0 },
        collection_id: input.collection_id,
        upstream_id: input.upstream_id,
        resource_id: input.resource_id ?? null,
        provider: input.provider ?? null,
        createdText: input.upstream_created_at ?? null,
        updatedText: input.upstream_updated_at ?? null,
        updatedMs,
        deleted,
        data: input.data,
        sync: (input.sync as Sync) ?? null,
      };
      state.set(key, created);
      planned.push({
        version: created.version,
        record: { ...created },
        action: deleted ? "deleted" : "created",
        changes: null,
      });
      outcomes.push({ current: created, version: created.version, result: "inserted" });
      continue;
    }
    if (updatedMs !== null && current.updatedMs !== null && updatedMs < current.updatedMs) {
      outcomes.push({ current, version: current.version, result: "stale" });
      continue;
    }
    if (deleted === current.deleted && jsonEqual(input.data, current.data)) {
      // No new version; only let upstream_updated_at move forward, so the stale check stays sharp.
      if (updatedMs !== null && (current.updatedMs === null || updatedMs > current.updatedMs)) {
        current.updatedText = input.upstream_updated_at ?? null;
        current.updatedMs = updatedMs;
        current.dirty = true;
      }
      outcomes.push({ current, version: current.version, result: "unchanged" });
      continue;
    }
    const changes = changedFields(current.data, input.data);
    const action = deleted && !current.deleted ? "deleted" : "updated";
    current.version = { idx: 0 };
    current.dirty = true;
    current.resource_id = keep(input.resource_id, current.resource_id);
    current.provider = keep(input.provider, current.provider);
    current.createdText = keep(input.upstream_created_at, current.createdText);
    if (updatedMs !== null) {
      current.updatedText = input.upstream_updated_at ?? null;
      current.updatedMs = updatedMs;
    }
    current.deleted = deleted;
    current.data = input.data;
    current.sync = keep(input.sync as Sync | undefined, current.sync);
    planned.push({
      version: current.version,
      record: { ...current },
      action,
      changes: action === "updated" ? changes : null,
    });
    outcomes.push({ current, version: current.version, result: "updated" });
  }

  const { versions, seqs } = await allocateSeqs(tx, planned.length, planned.length);
  planned.forEach((p, i) => {
    p.version.idx = versions[i]!;
  });

  const dirty = [...state.values()].filter((c) => c.dirty);
  const written = await saveRecords(tx, accountId, streamId, dirty);
  for (const row of written) rowsById.set(row.id, row);

  await insertEvents(
    tx,
    accountId,
    streamId,
    planned.map(
      (p, i): NewEvent => ({
        seq: seqs[i]!,
        record_id: p.record.id,
        collection_id: p.record.collection_id,
        resource_id: p.record.resource_id,
        provider: p.record.provider,
        upstream_id: p.record.upstream_id,
        action: p.action,
        changes: p.changes,
        data: p.record.data,
        updated_idx: p.version.idx,
        upstream_updated_at: p.record.updatedText,
        sync: p.record.sync,
      }),
    ),
  );

  const changedIds = new Set(planned.map((p) => p.record.id));
  const changed: ChangedRecord[] = dirty
    .filter((c) => changedIds.has(c.id))
    .map((c) => ({
      id: c.id,
      updated_idx: c.version.idx,
      collection_id: c.collection_id,
      resource_id: c.resource_id,
      provider: c.provider,
      sync_id: c.sync?.id ?? null,
    }));
  await fanOutRecords(tx, accountId, streamId, changed);

  return {
    results: outcomes.map(({ current, version, result }) => ({
      id: current.id,
      collection_id: current.collection_id,
      upstream_id: current.upstream_id,
      updated_idx: version.idx,
      result,
    })),
    records: outcomes.map(({ current }) => toRecord(rowsById.get(current.id)!)),
    changed: planned.length > 0,
  };
}

/** Inserts the new records and rewrites the changed ones; returns their rows as stored. */
async function saveRecords(
  tx: Queryable,
  accountId: string,
  streamId: string,
  dirty: Current[],
): Promise<RecordRow[]> {
  if (dirty.length === 0) return [];
  const col = <T>(fn: (c: Current) => T) => dirty.map(fn);
  const { rows } = await tx.query<RecordRow>(
    // w carries account_id so the update finds rows by primary key only (see ADR 0002, "Plans").
    `WITH w AS MATERIALIZED (
       SELECT $1::uuid AS account_id, * FROM unnest($3::uuid[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::text[], $11::bigint[], $12::boolean[], $13::text[], $14::text[])
         AS w(id, is_new, collection_id, upstream_id, resource_id, provider, created_text, updated_text,
              updated_idx, deleted, data, sync)
     ), ins AS (
       INSERT INTO records (account_id, id, stream_id, collection_id, upstream_id, resource_id, provider,
                            upstream_created_at, upstream_updated_at, updated_idx, deleted, data, sync)
       SELECT $1, w.id, $2, w.collection_id, w.upstream_id, w.resource_id, w.provider,
              w.created_text::timestamptz, w.updated_text::timestamptz, w.updated_idx, w.deleted,
              w.data::jsonb, w.sync::jsonb
       FROM w WHERE w.is_new
       RETURNING ${recordColumns()}
     ), upd AS (
       UPDATE records r SET resource_id = w.resource_id, provider = w.provider,
              upstream_created_at = w.created_text::timestamptz, upstream_updated_at = w.updated_text::timestamptz,
              updated_idx = w.updated_idx, deleted = w.deleted, data = w.data::jsonb, sync = w.sync::jsonb
       FROM w WHERE NOT w.is_new AND r.account_id = w.account_id AND r.id = w.id
       RETURNING ${recordColumns("r.")}
     )
     SELECT * FROM ins UNION ALL SELECT * FROM upd`,
    [
      accountId,
      streamId,
      col((c) => c.id),
      col((c) => c.isNew),
      col((c) => c.collection_id),
      col((c) => c.upstream_id),
      col((c) => c.resource_id),
      col((c) => c.provider),
      col((c) => c.createdText),
      col((c) => c.updatedText),
      col((c) => c.version.idx),
      col((c) => c.deleted),
      col((c) => JSON.stringify(c.data)),
      col((c) => (c.sync ? JSON.stringify(c.sync) : null)),
    ],
  );
  return rows;
}
