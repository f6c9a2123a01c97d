import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { createAccount } from "../../src/accounts/accounts.js";
import { type AppDeps, createApp, type SequinApp } from "../../src/app.js";
import type { Db } from "../../src/db/db.js";
import { Api } from "./api.js";

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
