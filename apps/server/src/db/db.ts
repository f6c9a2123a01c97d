/** Rows and affected-row count of one statement. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** The one storage interface of the server: Postgres through a pool, or PGlite in-process. */
export interface Db extends Queryable {
  /** `pg` for a real Postgres server, `pglite` for the embedded one (a single process). */
  readonly kind: "pg" | "pglite";
  /** Runs `fn` in a transaction (READ COMMITTED): commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` for every NOTIFY on `channel`, from any process. `onReconnect` runs after a
   * lost listening connection came back (notifications may have been missed meanwhile).
   * Resolves once listening; the returned function stops it.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** Closes every connection. */
  close(): Promise<void>;
  /** Connections of the pool now (for /metrics); absent where there is no pool (PGlite). */
  poolStats?(): { total: number; idle: number; waiting: number };
}
