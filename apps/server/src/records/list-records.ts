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
    // The stream's current versions in position order: record_versions holds one live version
    // per record, with its identity's columns (migration 0031).
    `SELECT ${recordColumns()} FROM record_versions
     WHERE account_id = $1 AND stream_id = $2 AND updated_idx > $3 AND ($4::text IS NULL OR collection_id = $4)
     ORDER BY updated_idx LIMIT $5`,
    [accountId, streamId, options.after ?? 0, options.collectionId ?? null, options.limit + 1],
  );
  return rows;
}
