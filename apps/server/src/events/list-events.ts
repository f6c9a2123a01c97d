import type { Queryable } from "../db/db.js";
import { type EventRow, eventColumns } from "./event-row.js";

/** A page of a stream's events in seq order, after position `after`; limit + 1 rows. */
export async function listEvents(
  q: Queryable,
  accountId: string,
  streamId: string,
  options: { after: number | undefined; limit: number; collectionId: string | undefined },
): Promise<EventRow[]> {
  const { rows } = await q.query<EventRow>(
    `SELECT ${eventColumns()} FROM events
     WHERE account_id = $1 AND stream_id = $2 AND seq > $3 AND ($4::text IS NULL OR collection_id = $4)
     ORDER BY seq LIMIT $5`,
    [accountId, streamId, options.after ?? 0, options.collectionId ?? null, options.limit + 1],
  );
  return rows;
}
