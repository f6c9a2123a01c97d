import type { SequinRecord } from "../types.js";
import type { ColumnMapping } from "./types.js";

/** One output column and how to read its value from a record. */
export interface CompiledColumn {
  column: string;
  read: (record: SequinRecord<object>) => unknown;
}

/** Reads a dotted path (`"sync.external_id"`, `"data.Address.City"`); undefined when any step is missing. */
export function readPath(record: object, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Turns a mapping into readers, once per call. The id and version columns always come from
 * `record.id` and `record.updated_idx`, so the mapping may not name them: a second source for the
 * conflict key or the guard would make the guard meaningless.
 */
export function compileColumns(
  mapping: ColumnMapping<never>,
  reserved: readonly string[],
): CompiledColumn[] {
  return Object.entries(mapping).map(([column, source]) => {
    if (reserved.includes(column)) {
      throw new TypeError(
        `columns must not map "${column}": it is the id or version column and always holds record.id / record.updated_idx`,
      );
    }
    if (typeof source === "function") return { column, read: source as CompiledColumn["read"] };
    if (typeof source !== "string" || source === "" || source.split(".").includes("")) {
      throw new TypeError(`columns.${column} must be a dotted record path or a function`);
    }
    return { column, read: (record) => readPath(record, source) };
  });
}

/** A column value as JSON can carry it: undefined becomes null so the column is written as NULL. */
export function toJsonValue(value: unknown): unknown {
  return value === undefined ? null : value;
}
