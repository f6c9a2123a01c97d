import { readFile } from "node:fs/promises";

/** Anything that runs SQL: a `pg.Pool`, `pg.PoolClient` or `pg.Client`. */
export interface Queryable {
  query(text: string): Promise<unknown>;
}

/** The service's tables, as SQL (src/schema.sql). */
export function schemaSql(): Promise<string> {
  return readFile(new URL("./schema.sql", import.meta.url), "utf8");
}

/**
 * Creates the tables if they are missing. A real service would use its migration tool; this
 * keeps the example to one file of SQL.
 */
export async function applySchema(db: Queryable): Promise<void> {
  await db.query(await schemaSql());
}
