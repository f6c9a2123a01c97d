import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createApp, type SequinApp } from "./app.js";
import { answerDbCommand } from "./cli-db-commands.js";
import type { Config } from "./config.js";
import { lockDataDir } from "./data-dir-lock.js";
import type { Db } from "./db/db.js";
import { migrate } from "./db/migrate.js";
import { openDatabase } from "./db/open.js";
import { type DevToken, ensureDevToken } from "./dev-token.js";
import { serveLocalControl } from "./local-control.js";
import { httpUpstream } from "./mutations/http-upstream.js";

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7376. */
  url: string;
  db: Db;
  sequin: SequinApp;
  server: Server;
  /** Embedded mode: the dev account's token, printed at start. */
  devToken: DevToken | undefined;
  /** Stops accepting, answers open long-polls, closes the database. */
  close(): Promise<void>;
}

/** Opens (and locks) the configured database. Embedded files are locked for this process. */
export async function openConfiguredDatabase(
  config: Config,
  logger?: Logger,
): Promise<{ db: Db; close: () => Promise<void> }> {
  const unlock =
    config.databaseUrl || config.inMemory ? async () => {} : await lockDataDir(config.dataDir);
  try {
    const db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      inMemory: config.inMemory,
      poolMax: config.poolMax,
      logger,
    });
    return {
      db,
      close: async () => {
        await db.close();
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}

/**
 * How long a client may take to send its request. A client that stalls is answered 408 and cut
 * off, so slow clients cannot hold sockets and memory. Long-polls are not affected: they wait
 * after the request is in.
 */
export interface ServerTimeouts {
  /** Until the request's headers are in, ms. Default 10000. */
  headersTimeoutMs?: number;
  /** Until the whole request (headers and body) is in, ms. Default 30000. */
  requestTimeoutMs?: number;
}

/** Options of {@link startServer} that are not configuration (tests). */
export interface StartOptions {
  timeouts?: ServerTimeouts;
}

/** Reads nothing from the environment: opens the database, migrates, listens. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const { db, close: closeDb } = await openConfiguredDatabase(config, logger);
  let sequin: SequinApp | undefined;
  let stopControl = async () => {};
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    const devToken = config.databaseUrl
      ? undefined
      : await ensureDevToken(db, config.inMemory ? undefined : config.dataDir);
    // Embedded on disk: the CLI cannot open the files while this process holds them, so it asks
    // this server over a local socket (local-control.ts).
    if (!config.databaseUrl && !config.inMemory) {
      stopControl = await serveLocalControl(
        config.dataDir,
        (command) => answerDbCommand(db, command),
        logger,
      );
    }
    sequin = createApp({
      db,
      logger,
      ...(config.upstream ? { upstream: httpUpstream(config.upstream) } : {}),
      metrics: config.metrics ? { process: true } : false,
    });
    await sequin.ready;
    const headersTimeout = options.timeouts?.headersTimeoutMs ?? 10_000;
    const server = createServer(
      {
        headersTimeout,
        requestTimeout: options.timeouts?.requestTimeoutMs ?? 30_000,
        // Node checks the timeouts every 30 s by default: a stalled client would stay far longer.
        connectionsCheckingInterval: Math.min(1_000, headersTimeout),
      },
      sequin.app,
    );
    // Long-polls last up to 60 s; keep idle keep-alive sockets a little longer than typical clients.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    const app = sequin;
    return {
      url: `http://${host}:${port}`,
      db,
      sequin: app,
      server,
      devToken,
      async close() {
        await stopControl();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close();
        server.closeIdleConnections();
        await closed;
        await closeDb();
      },
    };
  } catch (err) {
    await stopControl();
    await sequin?.close();
    await closeDb();
    throw err;
  }
}
