import type { Queryable } from "../db/db.js";
import { type RecordRow, recordColumns } from "./record-row.js";

/** A page of a stream's records in updated_idx order (oldest change first); limit + 1 rows. */
export async function listRecords(
  q: Queryable,
  accountId: string,
  streamId: string,
  options: { after: number | undefined; limit: number; collectionId: string | undefined },
): Promise<RecordRow[]> {
  const { rows } = await q.query<RecordRow>(
    // The stream's current versions in position order (record_versions holds one live version
    // per record, migration 0031), each with its key.
    `SELECT ${recordColumns("r.")} FROM (
       SELECT v.*, k.upstream_id, k.inserted_at
       FROM record_versions v
       JOIN record_keys k ON k.account_id = v.account_id AND k.id = v.id
       WHERE v.account_id = $1 AND v.stream_id = $2 AND v.updated_idx > $3
         AND ($4::text IS NULL OR v.collection_id = $4)
       ORDER BY v.updated_idx LIMIT $5) r
     ORDER BY r.updated_idx`,
    [accountId, streamId, options.after ?? 0, options.collectionId ?? null, options.limit + 1],
  );
  return rows;
}
