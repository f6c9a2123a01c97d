import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Db, Queryable, QueryResult } from "./db.js";

/** Options of {@link openPgliteDb}. */
export interface PgliteDbOptions {
  /** Directory of the database files; leave out for a database in memory. */
  dataDir?: string;
}

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * A {@link Db} on PGlite: Postgres compiled to WASM, in this process. One connection: PGlite
 * runs one transaction at a time, so row locks never wait; everything else behaves as on a server.
 */
export async function openPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  const lite = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const base = wrap(lite);
  return {
    kind: "pglite",
    query: base.query,
    exec: base.exec,
    transaction: (fn) => lite.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onPayload) {
      const unlisten = await lite.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => lite.close(),
  };
}
