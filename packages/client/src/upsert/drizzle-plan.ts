import { getTableColumns } from "drizzle-orm";
import { getTableConfig, type PgColumn, type PgTable } from "drizzle-orm/pg-core";
import { compileColumns } from "./column-values.js";
import { defaultColumns } from "./default-columns.js";
import { tombstoneTableOf } from "./identifiers.js";
import type { UpsertPlan } from "./plan.js";
import type { ColumnSource, DeleteMode, TableName } from "./types.js";

/** The keys of a table's columns (the property names of your pgTable). */
export type ColumnKey<TTable extends PgTable> = keyof TTable["_"]["columns"] & string;

/** Options of the drizzle helpers; columns are named by their key in your pgTable. */
export interface DrizzleUpsertOptions<
  TTable extends PgTable,
  Data extends object = Record<string, unknown>,
> {
  /** Columns written besides id and version: column key -> record path or function. Default: the `defaultColumns` your table has, matched by SQL name. */
  columns?: Partial<Record<ColumnKey<TTable>, ColumnSource<Data>>>;
  /** Key of the column holding `record.id` (unique, the conflict target). Default: the column named `id`. */
  idColumn?: ColumnKey<TTable>;
  /** Key of the column holding `record.updated_idx` (bigint). Default: the column named `updated_idx`. */
  versionColumn?: ColumnKey<TTable>;
  /** `"soft"` upserts deleted records; `"hard"` removes their row and keeps a tombstone. Default: `"soft"`. */
  deleteMode?: DeleteMode;
  /** Tombstone table used by `deleteMode: "hard"`. Default: `<table>_tombstones` in the table's schema. */
  tombstoneTable?: TableName;
}

/** A column of the user's table with its key. */
export interface KeyedColumn {
  key: string;
  column: PgColumn;
}

/** The plan, plus the drizzle columns the insert builder needs. */
export interface DrizzlePlan extends UpsertPlan {
  id: KeyedColumn;
  version: KeyedColumn;
  /** The mapped columns, in the order of `plan.columns`. */
  mapped: KeyedColumn[];
}

function keyNamed(columns: Record<string, PgColumn>, sqlName: string): string | undefined {
  return Object.keys(columns).find((key) => columns[key]?.name === sqlName);
}

function keyed(
  columns: Record<string, PgColumn>,
  key: string | undefined,
  what: string,
): KeyedColumn {
  const column = key === undefined ? undefined : columns[key];
  if (key === undefined || column === undefined) {
    throw new TypeError(`the table has no ${what} column${key === undefined ? "" : ` "${key}"`}`);
  }
  return { key, column };
}

/** The default mapping, restricted to the columns this table has, keyed by column key. */
function defaultMapping(columns: Record<string, PgColumn>): Record<string, ColumnSource> {
  const mapping: Record<string, ColumnSource> = {};
  for (const [sqlName, path] of Object.entries(defaultColumns)) {
    const key = keyNamed(columns, sqlName);
    if (key !== undefined) mapping[key] = path;
  }
  return mapping;
}

/** Checks the options against the table and fills in the defaults. */
export function planDrizzleUpsert(
  table: PgTable,
  options: DrizzleUpsertOptions<PgTable, never>,
): DrizzlePlan {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const id = keyed(columns, options.idColumn ?? keyNamed(columns, "id"), "id");
  const version = keyed(
    columns,
    options.versionColumn ?? keyNamed(columns, "updated_idx"),
    "version",
  );
  const mapping = (options.columns ?? defaultMapping(columns)) as Record<
    string,
    ColumnSource<never>
  >;
  const compiled = compileColumns(mapping, [id.key, version.key]);
  const deleteMode = options.deleteMode ?? "soft";
  if (deleteMode !== "soft" && deleteMode !== "hard") {
    throw new TypeError(`deleteMode must be "soft" or "hard", got ${JSON.stringify(deleteMode)}`);
  }
  const { schema, name } = getTableConfig(table);
  const qualified = { schema, name };
  return {
    target: {
      table: qualified,
      tombstones: tombstoneTableOf(qualified, options.tombstoneTable),
      idColumn: id.column.name,
      versionColumn: version.column.name,
    },
    columns: compiled,
    hard: deleteMode === "hard",
    id,
    version,
    mapped: compiled.map(({ column }) => keyed(columns, column, "mapped")),
  };
}
