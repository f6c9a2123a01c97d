import type { SequinRecord } from "../types.js";

/** A batch ready to write: one record per id, sorted by id. */
export interface PreparedBatch<R extends SequinRecord<object>> {
  records: R[];
  /** Records dropped because the batch held a newer (or the same) version of their id. */
  superseded: number;
}

function assertRecord(record: SequinRecord<object>, index: number): void {
  if (typeof record?.id !== "string" || record.id === "") {
    const hint = record !== null && typeof record === "object" && "record" in record;
    throw new TypeError(
      `records[${index}].id must be a non-empty string${hint ? " (pass message.record, not the message)" : ""}`,
    );
  }
  if (!Number.isSafeInteger(record.updated_idx)) {
    throw new TypeError(`records[${index}].updated_idx must be an integer`);
  }
}

/** Compares ids by UTF-16 code unit; SQL sorts the same ids with `COLLATE "C"`. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keeps the highest `updated_idx` of each id (a later duplicate wins a tie) and sorts by id.
 * One row per id is required by ON CONFLICT DO UPDATE; the sort makes concurrent batches lock
 * rows in the same order, so they wait for each other instead of deadlocking.
 */
export function prepareBatch<R extends SequinRecord<object>>(
  records: readonly R[],
): PreparedBatch<R> {
  const newest = new Map<string, R>();
  records.forEach((record, index) => {
    assertRecord(record, index);
    const kept = newest.get(record.id);
    if (kept === undefined || kept.updated_idx <= record.updated_idx) newest.set(record.id, record);
  });
  const sorted = [...newest.values()].sort((a, b) => compareIds(a.id, b.id));
  return { records: sorted, superseded: records.length - sorted.length };
}
