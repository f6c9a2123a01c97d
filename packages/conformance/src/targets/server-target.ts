import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAccount, createApp, createLogger, type Db } from "./server-api.js";
import { sleep, type Target } from "./target.js";

/** Extra wait on top of `advance(ms)`: timers and the database clock are not exact to the ms. */
const ADVANCE_SLACK_MS = 30;
const noop = () => {};

/**
 * Starts the reference server in-process (createApp + http.createServer on 127.0.0.1:0) over an
 * open, migrated database. `release` runs after the server is closed (drop the database...).
 */
export async function startServerTarget(
  name: string,
  db: Db,
  release: (options: { keep: boolean }) => Promise<void>,
): Promise<Target> {
  const sequin = createApp({
    db,
    logger: createLogger(process.env.CONFORMANCE_LOG_LEVEL ?? "silent"),
  });
  await sequin.ready;
  const server = createServer(sequin.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const first = await createAccount(db, "conformance");

  return {
    name,
    baseUrl: `http://127.0.0.1:${port}`,
    token: first.token.token,
    time: "wall-clock",
    async newAccount() {
      return (await createAccount(db, "conformance")).token.token;
    },
    advance: (ms) => sleep(ms + ADVANCE_SLACK_MS),
    mark() {
      // The app counts its parked long-polls and mutation awaits, as the mock does.
      const before = sequin.waiting;
      return {
        parked: (...requests) =>
          Promise.race([
            sequin.whenWaiting(before + Math.max(1, requests.length)),
            ...requests.map((r) => r.then(noop, noop)),
          ]),
      };
    },
    now: () => Date.now(),
    afterScenario: async () => {},
    async close(options) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sequin.close();
      server.closeAllConnections();
      await closed;
      await db.close();
      await release(options);
    },
  };
}
