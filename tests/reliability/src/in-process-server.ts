// The server app on a real Postgres, listening on a free port in this process, background tasks
// off (so that nothing but requests changes the database).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppDeps, createApp, type Db, type SequinApp } from "@sequin/server/source";
import pino from "pino";

export interface InProcessServer {
  url: string;
  sequin: SequinApp;
  server: Server;
  close(): Promise<void>;
}

export async function startInProcessServer(
  db: Db,
  options: Omit<AppDeps, "db"> = {},
): Promise<InProcessServer> {
  const sequin = createApp({
    db,
    logger: pino({ level: process.env.SERVER_LOG_LEVEL ?? "silent" }),
    runBackgroundTasks: false,
    ...options,
  });
  await sequin.ready;
  const server = createServer(sequin.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sequin,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sequin.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
