import type { SequinRecord } from "../types.js";
import { applyBatch, type VersionRow } from "./apply-batch.js";
import { parseTableName, tombstoneTableOf } from "./identifiers.js";
import { columnNames, planUpsert, rowsJson } from "./plan.js";
import { toPositional } from "./sql-parts.js";
import { tombstoneTableDdl, upsertStatement } from "./statements.js";
import type { TableName, UpsertOptions, UpsertResult } from "./types.js";

/** A `$1`-style statement. */
export interface RawStatement {
  text: string;
  values: unknown[];
}

/** Runs statements in order and returns the rows of each: in one transaction when it can. */
export type RawRunner = (statements: RawStatement[]) => Promise<unknown[][]>;

/** The guarded upsert through any driver that runs `$1`-style SQL (node-postgres, Prisma). */
export function upsertWithRawSql(
  runner: RawRunner,
  table: TableName,
  records: readonly SequinRecord<object>[],
  options: UpsertOptions<never> | undefined,
): Promise<UpsertResult> {
  const plan = planUpsert(table, options);
  return applyBatch(
    plan,
    async (batch, cleanup) => {
      const upsert = upsertStatement(
        plan.target,
        columnNames(plan),
        rowsJson(plan, batch),
        plan.hard,
      );
      const statements = [toPositional(upsert)];
      if (cleanup !== undefined) statements.push(toPositional(cleanup));
      const [written = [], tombstones = []] = await runner(statements);
      return { written: written as VersionRow[], tombstones: tombstones as VersionRow[] };
    },
    records,
  );
}

/** Runs statements one after the other on the same connection or transaction. */
export async function runInOrder(
  statements: RawStatement[],
  query: (statement: RawStatement) => Promise<unknown[]>,
): Promise<unknown[][]> {
  const results: unknown[][] = [];
  for (const statement of statements) results.push(await query(statement));
  return results;
}

/**
 * `CREATE TABLE IF NOT EXISTS` of the tombstone table that `deleteMode: "hard"` needs
 * (default name `<table>_tombstones`). Run it once, e.g. in a migration.
 */
export function tombstoneTableSql(
  table: TableName,
  options?: Pick<UpsertOptions, "tombstoneTable">,
): string {
  return tombstoneTableDdl(tombstoneTableOf(parseTableName(table), options?.tombstoneTable));
}
