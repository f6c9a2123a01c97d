import pg from "pg";
import type { Logger } from "pino";
import type { Db, Queryable, QueryResult } from "./db.js";

const INT8_OID = 20;

/** int8 as a JS number: every bigint we hand out (versions, sequences) stays far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format.
    return pg.types.getTypeParser(oid, format as any);
  },
};

/** Options of {@link openPgDb}. */
export interface PgDbOptions {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** Most connections in the pool. Default 20. */
  poolMax?: number;
  /** Logs connection errors. */
  logger?: Logger;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/** A {@link Db} on a Postgres server through a `pg` pool, with one extra connection for LISTEN. */
export function openPgDb(options: PgDbOptions): Db {
  const config = {
    connectionString: options.connectionString,
    types,
    connectionTimeoutMillis: 5_000,
  };
  const pool = new pg.Pool({ ...config, max: options.poolMax ?? 20 });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", (err) => options.logger?.warn({ err }, "idle database connection failed"));
  const base = wrap(pool);
  const stops = new Set<() => Promise<void>>();

  return {
    kind: "pg",
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // pg-pool takes its error listener off a client while it is checked out: a connection that
      // dies between two statements (Postgres restarting) would emit an unhandled 'error' and
      // crash the process. Keep it here instead; the next statement fails with a clean 503.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await fn(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackErr) {
          broken = rollbackErr as Error;
        }
        throw err;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    async listen(channel, onPayload, onReconnect) {
      const stop = await listenWithReconnect(
        config,
        channel,
        onPayload,
        onReconnect,
        options.logger,
      );
      const wrapped = async () => {
        stops.delete(wrapped);
        await stop();
      };
      stops.add(wrapped);
      return wrapped;
    },
    async close() {
      await Promise.all([...stops].map((stop) => stop()));
      await pool.end();
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
  };
}

/** Keeps one connection LISTENing; reconnects with backoff when it drops. */
async function listenWithReconnect(
  config: pg.ClientConfig,
  channel: string,
  onPayload: (payload: string) => void,
  onReconnect: (() => void) | undefined,
  logger: Logger | undefined,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;

  const lost = (failed: pg.Client, err?: Error) => {
    if (client !== failed) return;
    client = undefined;
    failed.end().catch(() => {});
    if (stopped) return;
    logger?.warn({ err }, "LISTEN connection lost; reconnecting");
    scheduleReconnect();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    next.on("notification", (msg) => {
      if (msg.channel === channel) onPayload(msg.payload ?? "");
    });
    next.on("error", (err) => lost(next, err));
    next.on("end", () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      next.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    delay = 250;
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(async () => {
      retry = undefined;
      if (stopped) return;
      try {
        await connect();
        // Notifications sent while we were away are lost: let every waiter look again.
        onReconnect?.();
      } catch (err) {
        logger?.warn({ err }, "LISTEN reconnect failed");
        // At most 2 s: until LISTEN is back, long-polls of other servers wake only at their
        // deadline, so a restarted Postgres should bring wake-ups back within seconds.
        delay = Math.min(delay * 2, 2_000);
        scheduleReconnect();
      }
    }, delay);
    retry.unref();
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => {});
  };
}
