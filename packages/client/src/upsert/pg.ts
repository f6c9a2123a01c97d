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

interface PgPoolClientLike extends PgQueryable {
  release(error?: Error | boolean): void;
  on?(event: "error", listener: (error: Error) => void): unknown;
  off?(event: "error", listener: (error: Error) => void): unknown;
}

interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
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
  // pg-pool takes its error listener off a client while it is checked out: a connection that dies
  // between two statements (the database restarting) would emit an unhandled 'error' and crash
  // the worker. Catch it here; the next statement fails and the connection is discarded.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on?.("error", onError);
  try {
    await client.query("BEGIN");
    const results = await runInOrder(statements, query(client));
    await client.query("COMMIT");
    return results;
  } catch (error) {
    // A connection whose ROLLBACK fails is discarded rather than returned to the pool.
    if (!broken)
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
    throw error;
  } finally {
    client.off?.("error", onError);
    if (broken) client.release(broken);
    else client.release();
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
