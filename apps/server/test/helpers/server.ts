import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll } from "vitest";
import { createAccount } from "../../src/accounts/accounts.js";
import { type AppDeps, createApp, type SequinApp } from "../../src/app.js";
import type { Db } from "../../src/db/db.js";
import { Api } from "./api.js";
import { type TestDatabase, useTestDatabase } from "./database.js";

/** A server listening on a free port, over its own Db. */
export interface TestServer {
  url: string;
  sequin: SequinApp;
  server: Server;
  /** A client without a token. */
  api: Api;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1:0. Background tasks run only when asked (tests call them by hand). */
export async function startTestServer(
  db: Db,
  options: Omit<AppDeps, "db"> = {},
): Promise<TestServer> {
  const sequin = createApp({
    db,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    runBackgroundTasks: false,
    ...options,
  });
  await sequin.ready;
  const server = createServer(sequin.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sequin,
    server,
    api: new Api(url),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sequin.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** An account made by newAccount. */
export type TestAccount = Awaited<ReturnType<typeof newAccount>>;

/** A new account on the database, with a client that uses its token. */
export async function newAccount(db: Db, server: { url: string }, name = "test") {
  const account = await createAccount(db, name);
  return {
    accountId: account.accountId,
    defaultStreamId: account.defaultStreamId,
    token: account.token.token,
    api: new Api(server.url, account.token.token),
  };
}

/** What most server test files start from; see serverTest. */
export interface ServerTest {
  /** The file's own database. */
  database: TestDatabase;
  /** A Db on it, used by the server. */
  db: Db;
  server: TestServer;
  /** An account named "test". */
  account: TestAccount;
  /** The account's client: `account.api`. */
  api: Api;
}

/**
 * The start most server test files share, awaited at the file's top level
 * (`const { db, server, api } = await serverTest();`): the file's own database (see
 * useTestDatabase), a server over it, closed after the file, and one account.
 */
export async function serverTest(options: Omit<AppDeps, "db"> = {}): Promise<ServerTest> {
  const database = useTestDatabase();
  const db = await database.open();
  const server = await startTestServer(db, options);
  afterAll(() => server.close());
  const account = await newAccount(db, server);
  return { database, db, server, account, api: account.api };
}
