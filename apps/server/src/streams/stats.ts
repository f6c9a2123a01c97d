import type { components } from "@sequin/client";
import type { Queryable } from "../db/db.js";

type StreamStats = components["schemas"]["StreamStats"];

/**
 * Exact counts for operators (the console). count(*) walks the stream's index entries, which the
 * API's hot paths never do (ADR 0008); an operator's page view can afford it.
 */
export async function streamStats(
  q: Queryable,
  accountId: string,
  streamId: string,
): Promise<StreamStats> {
  const { rows } = await q.query<{ record_count: number; event_count: number }>(
    `SELECT (SELECT count(*)::bigint FROM record_versions WHERE account_id = $1 AND stream_id = $2) AS record_count,
            (SELECT count(*)::bigint FROM events WHERE account_id = $1 AND stream_id = $2) AS event_count`,
    [accountId, streamId],
  );
  return {
    stream_id: streamId,
    record_count: Number(rows[0]?.record_count ?? 0),
    event_count: Number(rows[0]?.event_count ?? 0),
  };
}
