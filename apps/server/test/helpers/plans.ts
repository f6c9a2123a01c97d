import type pg from "pg";

/**
 * The plans Postgres runs on one connection, as auto_explain logs them (every statement, nested
 * ones too, with row counts). Collecting starts at once; `explainFromNow` turns the logging on.
 */
export class LoggedPlans {
  #plans: string[] = [];

  constructor(private readonly client: pg.Client) {
    client.on("notice", (notice) => this.#plans.push(notice.message ?? ""));
  }

  /** Logs the plan of every statement of the connection from now on. */
  async explainFromNow(): Promise<void> {
    await this.client.query(`LOAD 'auto_explain';
      SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
      SET auto_explain.log_nested_statements = on; SET client_min_messages = log`);
  }

  /** The plans logged since the last `take`, as one text; forgets them. */
  take(): string {
    const text = this.#plans.join("\n");
    this.#plans = [];
    return text;
  }
}

/** The most rows any step of these plans threw away. */
export function mostRowsDiscarded(plans: string): number {
  const counts = [...plans.matchAll(/Rows Removed by (?:Join )?Filter: (\d+)/g)].map((m) =>
    Number(m[1]),
  );
  return Math.max(0, ...counts);
}

/** The most rows any scan of `table` in these plans read (rows times loops). */
export function mostRowsRead(plans: string, table: string): number {
  const scans = new RegExp(
    `(?:Seq Scan|Index Scan using \\S+|Index Only Scan using \\S+|Bitmap Heap Scan) on ${table} [^\\n]*actual time=[\\d.]+\\.\\.[\\d.]+ rows=(\\d+) loops=(\\d+)`,
    "g",
  );
  const counts = [...plans.matchAll(scans)].map((m) => Number(m[1]) * Number(m[2]));
  return Math.max(0, ...counts);
}

/**
 * Appends `rows` records to the stream's log directly (a key and a version each, migration
 * 0031), with no write routine and no ANALYZE: a backlog the planner's statistics know nothing of.
 */
export async function insertRecordBacklog(
  client: { query(sql: string, params: unknown[]): Promise<unknown> },
  accountId: string,
  streamId: string,
  rows: number,
): Promise<void> {
  await client.query(
    `WITH k AS (
       INSERT INTO record_keys (account_id, id, stream_id, collection_id, upstream_id)
       SELECT $1, gen_random_uuid(), $2, 'plans:contact', 'u' || g FROM generate_series(1, $3::int) g
       RETURNING account_id, id, stream_id, collection_id, upstream_id
     )
     INSERT INTO record_versions (account_id, id, vid, stream_id, collection_id, upstream_id, updated_idx,
                                  deleted, data)
     SELECT x.account_id, x.id, x.idx, x.stream_id, x.collection_id, x.upstream_id, x.idx, false, '{}'
     FROM (SELECT k.*, nextval('record_version_seq') AS idx FROM k) x`,
    [accountId, streamId, rows],
  );
}
