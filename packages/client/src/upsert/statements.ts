import { type QualifiedName, quoteIdent, quoteTable } from "./identifiers.js";
import { param, type SqlPart } from "./sql-parts.js";

/** Where a batch goes. Names are unquoted; the builders quote them. */
export interface TargetSpec {
  table: QualifiedName;
  tombstones: QualifiedName;
  idColumn: string;
  versionColumn: string;
}

/** Sort key shared by every statement; `COLLATE "C"` matches the JS sort of the batch. */
function sortKey(alias: string, idColumn: string): string {
  return `${alias}.${quoteIdent(idColumn)}::text COLLATE "C"`;
}

/**
 * The guarded upsert: one statement for the whole batch. `rows` is a JSON array of objects keyed by
 * column name; `jsonb_populate_recordset(NULL::<table>, ...)` types every value by the table's own
 * column type, so one parameter carries any number of rows and columns of any type. With
 * `hard`, versions at or below a tombstone are not written. Returns `id`, `v` (as text) per row
 * written.
 */
export function upsertStatement(
  spec: TargetSpec,
  columns: readonly string[],
  rows: string,
  hard: boolean,
): SqlPart[] {
  const table = quoteTable(spec.table);
  const id = quoteIdent(spec.idColumn);
  const version = quoteIdent(spec.versionColumn);
  const quoted = columns.map(quoteIdent);
  const updates = quoted.filter((column) => column !== id);
  const tombstoneGuard = hard
    ? ` WHERE NOT EXISTS (SELECT 1 FROM ${quoteTable(spec.tombstones)} AS "tombstone"` +
      ` WHERE "tombstone"."id" = "input".${id}::text AND "tombstone"."updated_idx" >= "input".${version})`
    : "";
  return [
    `INSERT INTO ${table} AS "target" (${quoted.join(", ")})` +
      ` SELECT ${quoted.map((column) => `"input".${column}`).join(", ")}` +
      ` FROM jsonb_populate_recordset(NULL::${table}, `,
    param(rows),
    `::jsonb) AS "input"${tombstoneGuard}` +
      ` ORDER BY ${sortKey('"input"', spec.idColumn)}` +
      ` ON CONFLICT (${id}) DO UPDATE SET ${updates.map((column) => `${column} = EXCLUDED.${column}`).join(", ")}` +
      ` WHERE "target".${version} < EXCLUDED.${version}` +
      ` RETURNING "target".${id}::text AS "id", "target".${version}::text AS "v"`,
  ];
}

/**
 * Hard-delete cleanup, run after the upsert as a separate statement so that it sees every write
 * the upsert waited for. Removes each row of the batch whose version is at or below its tombstone
 * or its delete in this batch (the deleted records' own rows, and rows that a concurrent older
 * write inserted after a delete it could not see yet), locking them in id order like the upsert;
 * then raises the tombstone of each deleted record. `deletes` and `batch` are JSON arrays of
 * `{ <id>, <version> }`. Returns the tombstones of the batch as they were before this statement
 * (`id`, `v` as text): a write at or below one of them lost to a concurrent delete.
 */
export function cleanupStatement(spec: TargetSpec, deletes: string, batch: string): SqlPart[] {
  const table = quoteTable(spec.table);
  const tombstones = quoteTable(spec.tombstones);
  const id = quoteIdent(spec.idColumn);
  const version = quoteIdent(spec.versionColumn);
  return [
    `WITH "deletes" AS (SELECT "d".${id} AS "id", "d".${version} AS "v"` +
      ` FROM jsonb_populate_recordset(NULL::${table}, `,
    param(deletes),
    `::jsonb) AS "d"),` +
      ` "batch" AS (SELECT "b".${id} AS "id" FROM jsonb_populate_recordset(NULL::${table}, `,
    param(batch),
    `::jsonb) AS "b"),` +
      ` "doomed" AS (SELECT "m".${id} AS "id" FROM ${table} AS "m"` +
      ` WHERE "m".${id} IN (SELECT "id" FROM "batch")` +
      ` AND "m".${version} <= GREATEST(` +
      `(SELECT "t"."updated_idx" FROM ${tombstones} AS "t" WHERE "t"."id" = "m".${id}::text),` +
      ` (SELECT "d"."v" FROM "deletes" AS "d" WHERE "d"."id" = "m".${id}))` +
      ` ORDER BY ${sortKey('"m"', spec.idColumn)} FOR UPDATE OF "m"),` +
      ` "removed" AS (DELETE FROM ${table} AS "m" USING "doomed" WHERE "m".${id} = "doomed"."id"` +
      ` RETURNING 1),` +
      // The count makes "raised" run after "removed": rows, then tombstones, in every statement.
      ` "raised" AS (INSERT INTO ${tombstones} AS "t" ("id", "updated_idx")` +
      ` SELECT "id"::text, "v" FROM "deletes" WHERE (SELECT count(*) FROM "removed") >= 0` +
      ` ORDER BY "id"::text COLLATE "C"` +
      ` ON CONFLICT ("id") DO UPDATE SET "updated_idx" = EXCLUDED."updated_idx"` +
      ` WHERE "t"."updated_idx" < EXCLUDED."updated_idx")` +
      ` SELECT "t"."id", "t"."updated_idx"::text AS "v" FROM ${tombstones} AS "t"` +
      ` WHERE "t"."id" IN (SELECT "id"::text FROM "batch")`,
  ];
}

/** Reads the tombstones of a batch (`ids`: JSON array of strings). Returns `id`, `v` as text. */
export function tombstoneLookupStatement(spec: TargetSpec, ids: string): SqlPart[] {
  return [
    `SELECT "t"."id", "t"."updated_idx"::text AS "v" FROM ${quoteTable(spec.tombstones)} AS "t"` +
      ` WHERE "t"."id" IN (SELECT jsonb_array_elements_text(`,
    param(ids),
    `::jsonb))`,
  ];
}

/**
 * DDL of the tombstone table used by `deleteMode: "hard"`: the highest deleted version per id.
 * `id` is text whatever the type of the table's id column (compared as `id::text`).
 */
export function tombstoneTableDdl(tombstones: QualifiedName): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteTable(tombstones)} ` +
    `(id text PRIMARY KEY, updated_idx bigint NOT NULL)`
  );
}
