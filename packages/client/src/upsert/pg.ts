// @sequin/client/pg: guarded upserts with node-postgres. Loads no driver code itself: pass your own
// Pool, PoolClient or Client.
import type { SequinRecord } from "../types.js";
import { retryOnDeadlock } from "./deadlock-retry.js";
import { type RawRunner, type RawStatement, runInOrder, upsertWithRawSql } from "./raw-upsert.js";
import type { TableName, UpsertOptions, UpsertResult } from "./types.js";

export { defaultColumns } from "./default-columns.js";
export { tombstoneTableSql } from "./raw-upsert.js";
export type {
  ColumnMapping,
  ColumnSource,
  DeleteMode,
  TableName,
  UpsertOptions,
  UpsertResult,
} from "./types.js";

/** Anything with node-postgres's `query(text, values)`: a `Pool`, a `PoolClient` or a `Client`. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** node-postgres clients (8.17+): "I" when idle, outside a transaction. */
  getTransactionStatus?(): string | null;
}

interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgQueryable & { release(error?: Error | boolean): void }>;
  totalCount: number;
}

/** A Pool hands out connections of its own; a Client may be shared, or be in your transaction. */
function isPool(db: PgQueryable): db is PgPoolLike {
  return "totalCount" in db && typeof (db as Partial<PgPoolLike>).connect === "function";
}

const query = (db: PgQueryable) => async (statement: RawStatement) =>
  (await db.query(statement.text, statement.values)).rows;

/**
 * Statements of one call share a transaction when `db` is a Pool (a connection of its own) or a
 * client already inside your BEGIN. A bare Client runs them one by one: opening a transaction
 * on a client that other code may be using at the same time would mix their statements.
 */
function pgRunner(db: PgQueryable): RawRunner {
  return async (statements) => {
    if (statements.length > 1 && isPool(db)) {
      return retryOnDeadlock(() => inTransaction(db, statements));
    }
    // A statement that lost a deadlock outside any transaction committed nothing: run it again.
    const idle = () => isPool(db) || db.getTransactionStatus?.() === "I";
    return runInOrder(statements, (statement) => retryOnDeadlock(() => query(db)(statement), idle));
  };
}

async function inTransaction(pool: PgPoolLike, statements: RawStatement[]): Promise<unknown[][]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const results = await runInOrder(statements, query(client));
    await client.query("COMMIT");
    client.release();
    return results;
  } catch (error) {
    // A connection whose ROLLBACK fails is discarded rather than returned to the pool.
    await client.query("ROLLBACK").then(
      () => client.release(),
      () => client.release(true),
    );
    throw error;
  }
}

/**
 * Writes a batch of records into `table` in one guarded statement: a record overwrites its row
 * only when its `updated_idx` is higher. The batch is deduplicated by id first (highest
 * `updated_idx` wins). Pass a `PoolClient` inside `BEGIN` to make it part of your transaction.
 */
export function upsertRecords<Data extends object = Record<string, unknown>>(
  db: PgQueryable,
  table: TableName,
  records: readonly SequinRecord<Data>[],
  options?: UpsertOptions<Data>,
): Promise<UpsertResult> {
  return upsertWithRawSql(
    pgRunner(db),
    table,
    records,
    options as UpsertOptions<never> | undefined,
  );
}

/** Writes one record; see `upsertRecords`. */
export function upsertRecord<Data extends object = Record<string, unknown>>(
  db: PgQueryable,
  table: TableName,
  record: SequinRecord<Data>,
  options?: UpsertOptions<Data>,
): Promise<UpsertResult> {
  return upsertRecords(db, table, [record], options);
}
