import { createdRecordProvider } from "@sequin/client/schemas";
import type { RecordInput, SequinRecord } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { writeRecords } from "../records/write-records.js";
import { lockStream } from "../streams/service.js";
import { currentRecords } from "./current-records.js";
import type { NormalizedMutation } from "./normalize-mutation.js";
import type { UpstreamRecord } from "./upstream.js";

/** Later than `stored` by at least a millisecond: the stream's stale check must let it through. */
function writeTime(stored: string | null | undefined): string {
  const now = Date.now();
  const after = stored ? Date.parse(stored) + 1 : 0;
  return new Date(Math.max(now, after)).toISOString();
}

/**
 * Writes what the upstream answered to the stream, exactly like an ingest (new updated_idx,
 * events), in the caller's transaction. Partial answers (`merge`) are merged onto the stored
 * record under the stream's write lock; whole answers replace its data.
 */
export async function writeUpstreamRecords(
  tx: Queryable,
  accountId: string,
  streamId: string,
  m: NormalizedMutation,
  upstream: UpstreamRecord[],
): Promise<{ records: SequinRecord[]; changed: boolean }> {
  await lockStream(tx, accountId, streamId);
  // A partial answer needs its stored record: one gone since the check is a 404 naming its field.
  const kind = m.kind === "delete" ? "delete" : "update";
  const merging = upstream.filter((u) => u.merge).map((u) => u.upstream_id);
  const stored = await currentRecords(
    tx,
    accountId,
    streamId,
    m.collectionId,
    m.syncId,
    merging,
    kind,
  );
  // Whole answers (an HTTP upstream's) replace the data only: the stored record's resource id,
  // provider and sync {id, external_id, metadata} are kept, so they are looked up too. A record
  // the stream does not have yet (a create) is simply new.
  const whole = upstream.filter((u) => !u.merge).map((u) => u.upstream_id);
  for (const [id, record] of await currentRecords(
    tx,
    accountId,
    streamId,
    m.collectionId,
    m.syncId,
    whole,
    kind,
    true,
  )) {
    stored.set(id, record);
  }
  const inputs: RecordInput[] = upstream.map((u) => {
    const base = stored.get(u.upstream_id);
    const data = u.merge && base ? { ...base.data, ...u.data } : u.data;
    return {
      collection_id: m.collectionId,
      upstream_id: u.upstream_id,
      data,
      deleted: u.deleted ?? false,
      // A new record (a create) is named by the mutation only: its provider comes from the
      // collection, as in the mock, and its sync from `sync_id`.
      ...(base
        ? { resource_id: base.resource_id, provider: base.provider, sync: base.sync }
        : {
            provider: createdRecordProvider(m.collectionId),
            ...(m.syncId ? { sync: { id: m.syncId } } : {}),
          }),
      upstream_created_at: u.upstream_created_at ?? base?.upstream_created_at ?? null,
      upstream_updated_at:
        u.upstream_updated_at === undefined
          ? writeTime(base?.upstream_updated_at)
          : u.upstream_updated_at,
    };
  });
  const result = await writeRecords(tx, accountId, streamId, inputs, { records: true });
  return { records: result.records, changed: result.changed };
}
