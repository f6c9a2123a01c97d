import { randomUUID } from "node:crypto";
import type { RecordInput, RecordUpsertResult, SequinRecord } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { eventArrays, type NewEvent } from "../events/insert-events.js";
import { notFound, unauthorized } from "../http/errors.js";
import { type ChangedRecord, changedArrays } from "./fan-out-records.js";
import { changedFields, jsonEqual } from "./json-diff.js";
import { type RecordRow, toRecord } from "./record-row.js";
import { WRITE_APPLY_CALL, WRITE_PREPARE_CALL } from "./write-routines.js";

export interface WriteRecordsOptions {
  /**
   * sha256 of the request's bearer token: the write checks that it is still live before it
   * takes any lock (401 if not). Undefined when the caller has checked it already.
   */
  tokenHash?: Buffer;
}

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

/** A stored record as `prepare` returns it: its timestamps also as Postgres text. */
type StoredRow = RecordRow & { uca_text: string | null; uua_text: string | null };

function fromRow(row: StoredRow): Current {
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
  options: WriteRecordsOptions = {},
): Promise<WriteRecordsResult> {
  const keys = [...new Map(inputs.map((r) => [keyOf(r.collection_id, r.upstream_id), r])).values()];
  // One version and one event position per input at most; see write-routines.ts.
  const { rows: prepared } = await tx.query<{
    row:
      | { unauthorized: true }
      | { not_found: true }
      | { versions: number[]; seqs: number[] }
      | StoredRow;
  }>(WRITE_PREPARE_CALL, [
    accountId,
    streamId,
    keys.map((r) => r.collection_id),
    keys.map((r) => r.upstream_id),
    inputs.length,
    options.tokenHash ?? null,
  ]);
  const head = prepared[0]?.row;
  if (head && "unauthorized" in head) throw unauthorized();
  if (!head || "not_found" in head) throw notFound(`Stream not found: ${streamId}`);
  if (!("versions" in head)) throw new Error("write prepare: no versions row");
  const existing = prepared.slice(1).map(({ row }) => row as StoredRow);
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

  const versions = ascending(head.versions);
  const seqs = ascending(head.seqs);
  planned.forEach((p, i) => {
    p.version.idx = versions[i]!;
  });

  const dirty = [...state.values()].filter((c) => c.dirty);
  const events = planned.map(
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
  if (dirty.length > 0 || events.length > 0) {
    const { rows: written } = await tx.query<{ row: RecordRow }>(WRITE_APPLY_CALL, [
      accountId,
      streamId,
      ...recordArrays(dirty),
      ...eventArrays(events),
      ...changedArrays(changed),
    ]);
    for (const { row } of written) rowsById.set(row.id, row);
  }

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

/** Drawn in one statement, so ascending already; sorted in case a plan ever says otherwise. */
function ascending(values: Array<number | string>): number[] {
  return values.map(Number).sort((a, b) => a - b);
}

/** The 12 record arrays of the apply routine (`r_*`), in its order. */
function recordArrays(dirty: Current[]): unknown[] {
  const col = <T>(fn: (c: Current) => T) => dirty.map(fn);
  return [
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
  ];
}
