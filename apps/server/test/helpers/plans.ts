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
