import type { SequinRecord } from "../types.js";
import { type CompiledColumn, compileColumns, toJsonValue } from "./column-values.js";
import { defaultColumns } from "./default-columns.js";
import { parseTableName, tombstoneTableOf } from "./identifiers.js";
import type { TargetSpec } from "./statements.js";
import type { UpsertOptions } from "./types.js";

/** Everything a call needs to know, checked once before any statement runs. */
export interface UpsertPlan {
  target: TargetSpec;
  columns: CompiledColumn[];
  hard: boolean;
}

/** Checks the options and fills in the defaults. */
export function planUpsert(
  table: Parameters<typeof parseTableName>[0],
  options: UpsertOptions<never> = {},
): UpsertPlan {
  const deleteMode = options.deleteMode ?? "soft";
  if (deleteMode !== "soft" && deleteMode !== "hard") {
    throw new TypeError(`deleteMode must be "soft" or "hard", got ${JSON.stringify(deleteMode)}`);
  }
  const parsed = parseTableName(table);
  const idColumn = options.idColumn ?? "id";
  const versionColumn = options.versionColumn ?? "updated_idx";
  if (idColumn === versionColumn) {
    throw new TypeError("idColumn and versionColumn must be different columns");
  }
  return {
    target: {
      table: parsed,
      tombstones: tombstoneTableOf(parsed, options.tombstoneTable),
      idColumn,
      versionColumn,
    },
    columns: compileColumns(options.columns ?? defaultColumns, [idColumn, versionColumn]),
    hard: deleteMode === "hard",
  };
}

/** The names of every written column, id and version first. */
export function columnNames(plan: UpsertPlan): string[] {
  return [plan.target.idColumn, plan.target.versionColumn, ...plan.columns.map((c) => c.column)];
}

/** One JSON object per record, keyed by column name (the input of `jsonb_populate_recordset`). */
export function rowsJson(plan: UpsertPlan, records: readonly SequinRecord<object>[]): string {
  const { idColumn, versionColumn } = plan.target;
  return JSON.stringify(
    records.map((record) => {
      const row: Record<string, unknown> = {};
      for (const { column, read } of plan.columns) row[column] = toJsonValue(read(record));
      row[idColumn] = record.id;
      row[versionColumn] = record.updated_idx;
      return row;
    }),
  );
}

/** `{ <id>, <version> }` per record: what the hard-delete cleanup needs. */
export function keysJson(plan: UpsertPlan, records: readonly SequinRecord<object>[]): string {
  const { idColumn, versionColumn } = plan.target;
  return JSON.stringify(
    records.map((record) => ({ [idColumn]: record.id, [versionColumn]: record.updated_idx })),
  );
}
