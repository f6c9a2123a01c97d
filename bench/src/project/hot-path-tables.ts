// The server's tables that a record write, a lease and an ack write to (from
// apps/server/src/db/migrations and the statements in delivery/, records/ and background/): the
// ones whose dead tuples and size the soak reports. Keep this list in step with the schema.
import type pg from "pg";

export const HOT_PATH_TABLES = [
  // A record's identity and its versions (migration 0031; `records` is a view of them).
  "record_keys",
  "record_versions",
  "events",
  "consumers",
  // The consume core's (migration 0007).
  "deliveries",
  "consumer_cursors",
  "consumer_floors",
] as const;

export type HotPathTable = (typeof HOT_PATH_TABLES)[number];

export interface TableStats {
  /** `n_dead_tup` from pg_stat_user_tables (the statistics collector's count, not exact). */
  deadTuples: number;
  /** Table, TOAST and indexes, in bytes (`pg_total_relation_size`). */
  totalBytes: number;
}

export async function hotPathStats(client: pg.Client): Promise<Record<HotPathTable, TableStats>> {
  const { rows } = await client.query<{ relname: HotPathTable; dead: string; bytes: string }>(
    `SELECT relname, n_dead_tup AS dead, pg_total_relation_size(relid) AS bytes
     FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY($1)`,
    [HOT_PATH_TABLES],
  );
  const stats = {} as Record<HotPathTable, TableStats>;
  for (const table of HOT_PATH_TABLES) {
    const row = rows.find((r) => r.relname === table);
    stats[table] = { deadTuples: Number(row?.dead ?? 0), totalBytes: Number(row?.bytes ?? 0) };
  }
  return stats;
}
