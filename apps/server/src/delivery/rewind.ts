import type { PeekInfo, RewindRequest } from "../api-types.js";
import type { ConsumerRow } from "../consumers/consumer-row.js";
import type { Db } from "../db/db.js";
import { validationFailed } from "../http/errors.js";
import { peekInfo } from "./peek.js";

/**
 * The log position a rewind starts from, or the time records are redelivered from: `from_seq`
 * and `from_updated_idx` only for their kind of consumer, at most one field (422 otherwise).
 */
function rewindPoint(
  consumer: ConsumerRow,
  body: RewindRequest,
): { from: number | null; since: string | null } {
  const given = Object.keys(body).filter((k) => body[k as keyof RewindRequest] !== undefined);
  if (given.length > 1)
    throw validationFailed(
      given.map((path) => ({
        path,
        message: "Give at most one of from_seq, from_updated_idx and from_time",
      })),
    );
  if (body.from_seq !== undefined && consumer.kind !== "event")
    throw validationFailed([
      {
        path: "from_seq",
        message: "from_seq is for event consumers; record consumers take from_updated_idx",
      },
    ]);
  if (body.from_updated_idx !== undefined && consumer.kind !== "record")
    throw validationFailed([
      {
        path: "from_updated_idx",
        message: "from_updated_idx is for record consumers; event consumers take from_seq",
      },
    ]);
  return { from: body.from_seq ?? body.from_updated_idx ?? null, since: body.from_time ?? null };
}

/**
 * Rewinds the consumer (sequin_window_rewind_v1, migration 0026) and answers its counts right
 * after. Events from a time start at the first event stored at or after it (none: nothing to
 * deliver again).
 */
export async function rewind(
  db: Db,
  accountId: string,
  consumer: ConsumerRow,
  body: RewindRequest,
): Promise<PeekInfo> {
  const { from, since } = rewindPoint(consumer, body);
  await db.transaction(async (tx) => {
    let start = from;
    let recordsSince: string | null = null;
    if (since !== null && consumer.kind === "event") {
      const { rows } = await tx.query<{ seq: string }>(
        `SELECT seq::text FROM events
         WHERE account_id = $1 AND stream_id = $2 AND inserted_at >= $3
         ORDER BY inserted_at, seq LIMIT 1`,
        [accountId, consumer.stream_id, since],
      );
      if (!rows[0]) return;
      start = Number(rows[0].seq);
    } else if (since !== null) recordsSince = since;
    await tx.query("SELECT sequin_window_rewind_v1($1, $2, $3, $4)", [
      accountId,
      consumer.id,
      start,
      recordsSince,
    ]);
  });
  return peekInfo(db, accountId, consumer.id);
}
