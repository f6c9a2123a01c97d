import type { EventInput, SequinEvent } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { lockStream } from "../streams/service.js";
import { toEvent } from "./event-row.js";
import { allocateSeqs, insertEvents } from "./insert-events.js";

/**
 * Appends events in request order and fans them out to matching event consumers, in the caller's
 * transaction. The caller publishes the stream's wake-up after commit.
 */
export async function appendEvents(
  tx: Queryable,
  accountId: string,
  streamId: string,
  inputs: EventInput[],
): Promise<SequinEvent[]> {
  await lockStream(tx, accountId, streamId);
  const { seqs } = await allocateSeqs(tx, 0, inputs.length);
  const rows = await insertEvents(
    tx,
    accountId,
    streamId,
    inputs.map((e, i) => ({
      seq: seqs[i]!,
      record_id: null,
      collection_id: e.collection_id,
      resource_id: e.resource_id ?? null,
      provider: e.provider ?? null,
      upstream_id: e.upstream_id ?? null,
      action: e.action,
      changes: e.changes ?? null,
      data: e.data,
      updated_idx: null,
      upstream_updated_at: e.upstream_updated_at ?? null,
      sync: (e.sync as { id: string } | null | undefined) ?? null,
    })),
  );
  return rows.map(toEvent);
}
