// A fingerprint of every table of a database: row count and the sum of the rows' xmin. Any
// insert, update or delete changes it (a changed row is a new row version with a new xmin), at
// the cost of one scan without reading the rows' contents.
import type { Queryable } from "@sequin/server/source";

export type Snapshot = Record<string, string>;

/** The fingerprint query of each database (tables do not come and go during a test). */
const queries = new WeakMap<Queryable, Map<boolean, string>>();

async function fingerprintSql(db: Queryable, scopedToAccount: boolean): Promise<string> {
  const cached = queries.get(db)?.get(scopedToAccount);
  if (cached) return cached;
  const { rows: tables } = await db.query<{ name: string; scoped: boolean }>(
    `SELECT t.tablename AS name,
            EXISTS (SELECT 1 FROM information_schema.columns c
                    WHERE c.table_schema = 'public' AND c.table_name = t.tablename
                      AND c.column_name = 'account_id') AS scoped
     FROM pg_tables t WHERE t.schemaname = 'public' ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { name, scoped } of tables) {
    let where = "";
    if (scopedToAccount) {
      if (scoped) where = " WHERE account_id = $1";
      else if (name === "accounts") where = " WHERE id = $1";
      else continue;
    }
    parts.push(
      `SELECT ${quoteLiteral(name)} AS name, count(*) || '/' || coalesce(sum(xmin::text::bigint), 0) AS print FROM ${quoteIdent(name)}${where}`,
    );
  }
  const sql = parts.join(" UNION ALL ");
  if (!queries.has(db)) queries.set(db, new Map());
  queries.get(db)!.set(scopedToAccount, sql);
  return sql;
}

/**
 * Fingerprints every table of the public schema; with `accountId`, only that account's rows of
 * the tables that have an account_id (and its row of accounts).
 */
export async function snapshot(db: Queryable, accountId?: string): Promise<Snapshot> {
  const sql = await fingerprintSql(db, accountId !== undefined);
  const { rows } = await db.query<{ name: string; print: string }>(
    sql,
    accountId === undefined ? [] : [accountId],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.print]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]);
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (name: string) => `'${name.replaceAll("'", "''")}'`;
