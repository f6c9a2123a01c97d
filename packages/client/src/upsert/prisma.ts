// @sequin/client/prisma: guarded upserts for Prisma 7. Prisma's `upsert` cannot take a condition,
// so this runs the same guarded INSERT ... ON CONFLICT statement as @sequin/client/pg through
// `$queryRawUnsafe` (values are bound parameters). Loads no Prisma code itself.
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

/**
 * A `PrismaClient` on a Postgres driver adapter (e.g. `@prisma/adapter-pg`), or the `tx` of
 * `prisma.$transaction(async (tx) => ...)`.
 */
export interface PrismaRawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  /** Sequential batch transaction of a PrismaClient. */
  $transaction?(queries: PromiseLike<unknown>[]): PromiseLike<unknown[]>;
  /** Present on a PrismaClient; Prisma leaves it out of a transaction client. */
  $disconnect?(): PromiseLike<void>;
}

/**
 * Statements of one call share a transaction: Prisma's sequential `$transaction([...])` on a
 * client, or simply the caller's own transaction on a `tx`. A `tx` has a `$transaction` too, but
 * a batch started from it does not run inside it, so `tx` is told apart by its missing
 * `$disconnect`.
 */
function prismaRunner(prisma: PrismaRawClient): RawRunner {
  const query = ({ text, values }: RawStatement) =>
    prisma.$queryRawUnsafe<unknown[]>(text, ...values);
  return async (statements) => {
    const isTransactionClient = typeof prisma.$disconnect !== "function";
    if (statements.length > 1 && !isTransactionClient && prisma.$transaction !== undefined) {
      const { $transaction } = prisma;
      // Prisma queries are lazy: each attempt builds its own, run inside its transaction.
      return retryOnDeadlock(
        async () => (await $transaction.call(prisma, statements.map(query))) as unknown[][],
      );
    }
    return runInOrder(statements, async (statement) => await query(statement));
  };
}

/**
 * Writes a batch of records into the table of a Prisma model in one guarded statement; see
 * `@sequin/client/pg`. `table` and the keys of `columns` are SQL names (the `@@map` / `@map`
 * names, not the model's field names). Pass `tx` to make it part of your transaction.
 */
export function upsertRecords<Data extends object = Record<string, unknown>>(
  prisma: PrismaRawClient,
  table: TableName,
  records: readonly SequinRecord<Data>[],
  options?: UpsertOptions<Data>,
): Promise<UpsertResult> {
  return upsertWithRawSql(
    prismaRunner(prisma),
    table,
    records,
    options as UpsertOptions<never> | undefined,
  );
}

/** Writes one record; see `upsertRecords`. */
export function upsertRecord<Data extends object = Record<string, unknown>>(
  prisma: PrismaRawClient,
  table: TableName,
  record: SequinRecord<Data>,
  options?: UpsertOptions<Data>,
): Promise<UpsertResult> {
  return upsertRecords(prisma, table, [record], options);
}
