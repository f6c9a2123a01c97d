// @sequin/client/drizzle: guarded upserts with drizzle-orm's onConflictDoUpdate({ target, set,
// setWhere }) on your own pgTable. Works with any Postgres drizzle database and inside
// db.transaction(async (tx) => ...).
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgDatabase, PgQueryResultHKT, PgTable } from "drizzle-orm/pg-core";
import type { SequinRecord } from "../types.js";
import { applyBatch, type VersionRow } from "./apply-batch.js";
import { toJsonValue } from "./column-values.js";
import { retryOnDeadlock } from "./deadlock-retry.js";
import { type DrizzlePlan, type DrizzleUpsertOptions, planDrizzleUpsert } from "./drizzle-plan.js";
import { quoteIdent } from "./identifiers.js";
import type { SqlPart } from "./sql-parts.js";
import { tombstoneLookupStatement } from "./statements.js";
import type { UpsertResult } from "./types.js";

export { defaultColumns } from "./default-columns.js";
export type { ColumnKey, DrizzleUpsertOptions } from "./drizzle-plan.js";
export { tombstoneTableSql } from "./raw-upsert.js";
export type { ColumnSource, DeleteMode, TableName, UpsertResult } from "./types.js";

/** A drizzle Postgres database or transaction (node-postgres, postgres.js, ...). */
// biome-ignore lint/suspicious/noExplicitAny: any driver and schema; only insert, execute and transaction are used.
export type DrizzlePgDatabase = PgDatabase<PgQueryResultHKT, any, any>;

/** Bind parameters per insert stay well under Postgres's limit of 65,535. */
const MAX_PARAMETERS = 30_000;

function toDrizzleSql(parts: readonly SqlPart[]): SQL {
  return sql.join(
    parts.map((part) => (typeof part === "string" ? sql.raw(part) : sql.param(part.param))),
  );
}

async function run(db: DrizzlePgDatabase, parts: readonly SqlPart[]): Promise<VersionRow[]> {
  const result: unknown = await db.execute(toDrizzleSql(parts));
  // node-postgres answers a QueryResult, postgres.js an array of rows.
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as VersionRow[];
}

function excluded(column: PgColumn): SQL {
  return sql.raw(`excluded.${quoteIdent(column.name)}`);
}

/** The guarded insert, in as few statements as the parameter limit allows (one, usually). */
async function insertGuarded(
  db: DrizzlePgDatabase,
  table: PgTable,
  plan: DrizzlePlan,
  records: readonly SequinRecord<object>[],
): Promise<VersionRow[]> {
  const { id, version } = plan;
  const set: Record<string, SQL> = { [version.key]: excluded(version.column) };
  for (const { key, column } of plan.mapped) set[key] = excluded(column);
  const chunkSize = Math.max(1, Math.floor(MAX_PARAMETERS / (plan.mapped.length + 2)));
  const written: VersionRow[] = [];
  for (let start = 0; start < records.length; start += chunkSize) {
    const values = records.slice(start, start + chunkSize).map((record) => {
      const row: Record<string, unknown> = {};
      for (const { column, read } of plan.columns) row[column] = toJsonValue(read(record));
      row[id.key] = record.id;
      row[version.key] = record.updated_idx;
      return row;
    });
    const rows = await db
      .insert(table)
      .values(values as PgTable["$inferInsert"][])
      .onConflictDoUpdate({
        target: id.column,
        set,
        setWhere: sql`${version.column} < ${excluded(version.column)}`,
      })
      .returning({ id: sql<string>`${id.column}::text`, v: sql<string>`${version.column}::text` });
    written.push(...rows);
  }
  return written;
}

/**
 * Leaves out records at or below their tombstone, so a late older version is not even written
 * inside the transaction. Not what makes hard deletes safe under concurrency: the cleanup is.
 */
async function withoutTombstoned(
  db: DrizzlePgDatabase,
  plan: DrizzlePlan,
  records: SequinRecord<object>[],
): Promise<SequinRecord<object>[]> {
  const ids = JSON.stringify(records.map((record) => record.id));
  const tombstones = await run(db, tombstoneLookupStatement(plan.target, ids));
  const tombstoneOf = new Map(tombstones.map((row) => [row.id, BigInt(row.v)]));
  return records.filter((record) => {
    const tombstone = tombstoneOf.get(record.id);
    return tombstone === undefined || tombstone < BigInt(record.updated_idx);
  });
}

/**
 * Writes a batch of records into `table` with one guarded
 * `insert ... on conflict (id) do update ... where updated_idx < excluded.updated_idx`, after
 * deduplicating it by id (highest `updated_idx` wins). Pass `tx` to make it part of your
 * transaction; hard deletes open a transaction (a savepoint inside yours) of their own.
 */
export function upsertRecords<
  TTable extends PgTable,
  Data extends object = Record<string, unknown>,
>(
  db: DrizzlePgDatabase,
  table: TTable,
  records: readonly SequinRecord<Data>[],
  options: DrizzleUpsertOptions<TTable, Data> = {},
): Promise<UpsertResult> {
  const plan = planDrizzleUpsert(table, options as DrizzleUpsertOptions<PgTable, never>);
  return applyBatch(
    plan,
    async (batch, cleanup) => {
      if (cleanup === undefined) {
        return { written: await insertGuarded(db, table, plan, batch), tombstones: [] };
      }
      const work = () =>
        db.transaction(async (tx) => {
          const fresh = await withoutTombstoned(tx, plan, batch);
          const written = await insertGuarded(tx, table, plan, fresh);
          return { written, tombstones: await run(tx, cleanup) };
        });
      // A transaction of ours can be repeated after a deadlock; a savepoint inside yours cannot.
      const isTransaction = typeof (db as { rollback?: unknown }).rollback === "function";
      return isTransaction ? work() : retryOnDeadlock(work);
    },
    records,
  );
}

/** Writes one record; see `upsertRecords`. */
export function upsertRecord<TTable extends PgTable, Data extends object = Record<string, unknown>>(
  db: DrizzlePgDatabase,
  table: TTable,
  record: SequinRecord<Data>,
  options?: DrizzleUpsertOptions<TTable, Data>,
): Promise<UpsertResult> {
  return upsertRecords(db, table, [record], options);
}
