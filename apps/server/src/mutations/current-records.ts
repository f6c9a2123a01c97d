import { summarizeDetails, unknownUpstreamRecord } from "@sequin/client/schemas";
import type { SequinRecord } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { HttpError } from "../http/errors.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";

/**
 * The stream's records with these upstream ids (and this sync, when given), by upstream id.
 * A caller that writes them afterwards holds the stream's write lock first (`lockStream`), which
 * keeps them current until it commits. An id that has no live record
 * is a 404 whose details name its place in the request of this `kind` (nothing has been applied
 * yet; the same rule as the mock's), unless `missingOk`: then it is only left out of the map.
 */
export async function currentRecords(
  q: Queryable,
  accountId: string,
  streamId: string,
  collectionId: string,
  syncId: string | undefined,
  upstreamIds: string[],
  kind: "update" | "delete",
  missingOk = false,
): Promise<Map<string, SequinRecord>> {
  if (upstreamIds.length === 0) return new Map();
  const { rows } = await q.query<RecordRow>(
    // Each key by the identity index, then its current version (the view, migration 0031).
    `SELECT ${recordColumns()} FROM records
     WHERE account_id = $1 AND stream_id = $2::uuid AND collection_id = $3
       AND upstream_id = ANY($4::text[])
       AND NOT deleted AND ($5::text IS NULL OR sync ->> 'id' = $5)
     ORDER BY collection_id, upstream_id`,
    [accountId, streamId, collectionId, upstreamIds, syncId ?? null],
  );
  const found = new Map(rows.map((row) => [row.upstream_id, toRecord(row)]));
  if (missingOk) return found;
  const missing = upstreamIds
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => !found.has(id))
    .map(({ id, i }) => unknownUpstreamRecord(kind, i, { collectionId, upstreamId: id, syncId }));
  if (missing.length > 0) throw new HttpError(404, "not_found", summarizeDetails(missing), missing);
  return found;
}
