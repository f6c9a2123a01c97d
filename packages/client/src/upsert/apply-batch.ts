import type { SequinRecord } from "../types.js";
import { prepareBatch } from "./dedupe.js";
import { keysJson, type UpsertPlan } from "./plan.js";
import type { SqlPart } from "./sql-parts.js";
import { cleanupStatement } from "./statements.js";
import type { UpsertResult } from "./types.js";

/** An id and version, both as text: a row written by the upsert, or a tombstone. */
export interface VersionRow {
  id: string;
  v: string;
}

/** What a driver does with a prepared batch: the upsert, then the cleanup when there is one. */
export type WriteBatch = (
  records: SequinRecord<object>[],
  cleanup: SqlPart[] | undefined,
) => Promise<{ written: VersionRow[]; tombstones: VersionRow[] }>;

/**
 * Dedupes and writes a batch, and counts. With hard deletes the driver runs the cleanup after the
 * upsert, in one transaction when it can. A row the upsert wrote at or below a tombstone that the
 * cleanup found lost to a concurrent delete: it counts as skipped (and the cleanup removed it).
 */
export async function applyBatch(
  plan: UpsertPlan,
  write: WriteBatch,
  input: readonly SequinRecord<object>[],
): Promise<UpsertResult> {
  const { records } = prepareBatch(input);
  if (records.length === 0) return { applied: 0, skipped: input.length };
  const cleanup = plan.hard
    ? cleanupStatement(
        plan.target,
        keysJson(
          plan,
          records.filter((record) => record.deleted),
        ),
        keysJson(plan, records),
      )
    : undefined;
  const { written, tombstones } = await write(records, cleanup);
  const tombstoneOf = new Map(tombstones.map((row) => [row.id, BigInt(row.v)]));
  const applied = written.filter((row) => {
    const tombstone = tombstoneOf.get(row.id);
    return tombstone === undefined || tombstone < BigInt(row.v);
  }).length;
  return { applied, skipped: input.length - applied };
}
