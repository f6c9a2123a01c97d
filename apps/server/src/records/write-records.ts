import type { RecordInput, RecordUpsertResult, SequinRecord } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { notFound, unauthorized } from "../http/errors.js";
import { type RecordRow, toRecord } from "./record-row.js";

/**
 * The record write, one routine call (migrations 0028, 0031): $1 account, $2 stream, $3 the inputs (a
 * JSON array), $4 the bearer token's hash (null: already checked), $5 whether to return the
 * records as they are after the batch.
 */
const WRITE_CALL = "SELECT row FROM sequin_record_write_v2($1, $2, $3, $4, $5) AS row";

export interface WriteRecordsOptions {
  /**
   * sha256 of the request's bearer token: the write checks that it is still live before it
   * takes any lock (401 if not). Undefined when the caller has checked it already.
   */
  tokenHash?: Buffer;
  /** Also return each input's record as it is after the batch (`records`). */
  records?: boolean;
}

/** What {@link writeRecords} did. */
export interface WriteRecordsResult {
  /** One per input, in request order (the body of the upsert answer). */
  results: RecordUpsertResult[];
  /** With `options.records`: each input's record as it is after the batch, in request order; else empty. */
  records: SequinRecord[];
  /** Whether anything really changed: then consumers of the stream must be woken after commit. */
  changed: boolean;
}

type Outcome = [
  position: number,
  id: string,
  updatedIdx: number | string,
  RecordUpsertResult["result"],
];

type WriteRow =
  | { unauthorized: true }
  | { not_found: true }
  | { results: Outcome[]; changed: boolean }
  | RecordRow;

/**
 * Upserts a batch of records in one statement (migrations 0028, 0031): with `db` it commits on
 * its own, in one round trip; in the caller's transaction it is part of it (mutations). Identity
 * is (stream, collection_id, upstream_id). Per record, in request order: unknown -> `inserted`;
 * older `upstream_updated_at` than stored -> `stale` (ignored); same `data` and `deleted` ->
 * `unchanged` (no version, event or redelivery); else `updated`. Every real change gets a new
 * `updated_idx` and appends a created/updated/deleted event (consumers read both from the log).
 * Writers of one stream are serialised by the stream lock, so concurrent first inserts of one key
 * and concurrent updates cannot race; a new version replaces the record's previous one (an
 * insert and a delete, never an update in place). The caller
 * publishes the wake-up after commit when `changed`.
 */
export async function writeRecords(
  q: Queryable,
  accountId: string,
  streamId: string,
  inputs: RecordInput[],
  options: WriteRecordsOptions = {},
): Promise<WriteRecordsResult> {
  const { rows } = await q.query<{ row: WriteRow }>(WRITE_CALL, [
    accountId,
    streamId,
    JSON.stringify(inputs),
    options.tokenHash ?? null,
    options.records ?? false,
  ]);
  const head = rows[0]?.row;
  if (head && "unauthorized" in head) throw unauthorized();
  if (!head || "not_found" in head) throw notFound(`Stream not found: ${streamId}`);
  if (!("results" in head)) throw new Error("write: no results row");
  const outcomes = [...head.results].sort((a, b) => a[0] - b[0]);
  if (outcomes.length !== inputs.length) {
    throw new Error(`write: ${outcomes.length} results for ${inputs.length} inputs`);
  }
  const byId = new Map(rows.slice(1).map(({ row }) => [(row as RecordRow).id, row as RecordRow]));
  return {
    results: outcomes.map(([position, id, updatedIdx, result]) => ({
      id,
      collection_id: inputs[position - 1]!.collection_id,
      upstream_id: inputs[position - 1]!.upstream_id,
      updated_idx: Number(updatedIdx),
      result,
    })),
    records: options.records ? outcomes.map(([, id]) => toRecord(byId.get(id)!)) : [],
    changed: head.changed,
  };
}
