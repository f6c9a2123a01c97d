import type { SequinRecord } from "../types.js";

/**
 * Where a column's value comes from: a dotted path into the record (`"upstream_id"`, `"sync.id"`,
 * `"data.Email"`) or a function of the record. Missing values are written as NULL.
 */
export type ColumnSource<Data extends object = Record<string, unknown>> =
  | string
  | ((record: SequinRecord<Data>) => unknown);

/** Column name -> source of its value. */
export type ColumnMapping<Data extends object = Record<string, unknown>> = Record<
  string,
  ColumnSource<Data>
>;

/** How a record with `deleted: true` is written. */
export type DeleteMode = "soft" | "hard";

/** A table name: `"contacts"`, `"crm.contacts"`, or `{ schema, name }` for names holding a dot. */
export type TableName = string | { schema?: string; name: string };

/** Options shared by the raw SQL helpers (`@sequin/client/pg`, `@sequin/client/prisma`). */
export interface UpsertOptions<Data extends object = Record<string, unknown>> {
  /** Columns written besides the id and version columns. Default: `defaultColumns`. */
  columns?: ColumnMapping<Data>;
  /** Column holding `record.id`: the ON CONFLICT target, must be unique. Default: `"id"`. */
  idColumn?: string;
  /** Column holding `record.updated_idx` (bigint); only a higher one overwrites. Default: `"updated_idx"`. */
  versionColumn?: string;
  /** `"soft"` upserts deleted records; `"hard"` removes their row and keeps a tombstone. Default: `"soft"`. */
  deleteMode?: DeleteMode;
  /** Tombstone table used by `deleteMode: "hard"`. Default: `<table>_tombstones` in the table's schema. */
  tombstoneTable?: TableName;
}

/** What a call did: every record is counted once, as applied or skipped. */
export interface UpsertResult {
  /** Records written: they were newer than the stored version (or there was none). */
  applied: number;
  /** Records not written: stale (an equal or newer version was stored) or superseded in the batch. */
  skipped: number;
}
