// The service against the real reference server: the server runs in-process on a fresh,
// migrated Postgres database; the app has its own database. Records go in over HTTP, and the
// app's table must end equal to the stream's latest versions, with one welcome email per
// created contact, across a restart of the app.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, type SequinClient } from "@sequin/client";
import {
  createAccount,
  createApp,
  createLogger,
  type Db,
  migrate,
  openDatabase,
} from "@sequin/server/source";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningApp, startApp } from "../src/app.js";
import { CONTACT_COLLECTION, type Config } from "../src/config.js";
import type { WelcomeEmail } from "../src/on-created.js";
import {
  contactRows,
  createTestDatabase,
  type TestDatabase,
  welcomeRows,
} from "./helpers/database.js";
import { contact, expectedRows, testConfig } from "./helpers/expected.js";

let serverDb: TestDatabase;
let appDb: TestDatabase;
let db: Db | undefined;
let sequin: ReturnType<typeof createApp> | undefined;
let http: Server | undefined;
let config: Config;
let client: SequinClient;
let streamId: string;
let app: RunningApp | undefined;
const sent: WelcomeEmail[] = [];
const errors: unknown[] = [];
const poolErrors: Error[] = [];

beforeAll(async () => {
  serverDb = await createTestDatabase("e2e_server", { schema: false });
  appDb = await createTestDatabase("e2e_app", { schema: false });
  db = await openDatabase({ databaseUrl: serverDb.url, poolMax: 10 });
  await migrate(db);
  sequin = createApp({ db, logger: createLogger("silent") });
  await sequin.ready;
  const server = createServer(sequin.app);
  http = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const account = await createAccount(db, "example-e2e");
  streamId = account.defaultStreamId;
  config = testConfig(`http://127.0.0.1:${port}`, account.token.token, appDb.url);
  client = createClient({ baseUrl: config.sequinUrl, token: config.sequinToken });
});

afterAll(async () => {
  await app?.stop();
  if (http) {
    const closed = new Promise<void>((resolve) => http?.close(() => resolve()));
    await sequin?.close();
    http.closeAllConnections();
    await closed;
  }
  await db?.close();
  await appDb?.drop();
  await serverDb?.drop();
});

async function start() {
  const tuning = {
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    onError: (error: unknown) => {
      errors.push(error);
    },
  };
  app = await startApp({
    config,
    // Two sync workers' worth of parallelism, small batches: versions of one record can be in
    // flight in different batches, as in production.
    contacts: { ...tuning, concurrency: 4, batchSize: 5 },
    welcome: tuning,
    send: (email) => {
      sent.push(email);
    },
    onPoolError: (error) => {
      poolErrors.push(error);
    },
  });
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `003${String(from + i).padStart(4, "0")}`);

async function upsert(records: ReturnType<typeof contact>[]) {
  for (let i = 0; i < records.length; i += 50) {
    await client.records.upsert(streamId, records.slice(i, i + 50));
  }
}

/** The app's tables must match the stream: latest versions, one email per created contact with an email. */
async function expectInSync() {
  const latest = await client.records
    .list(streamId, { collection_id: CONTACT_COLLECTION })
    .toArray();
  await expect
    .poll(() => contactRows(appDb.pool), { timeout: 20_000 })
    .toEqual(expectedRows(latest));

  const events = await client.events
    .list(streamId, { collection_id: CONTACT_COLLECTION })
    .toArray();
  const welcomed = events
    .filter((e) => e.action === "created" && typeof e.data.Email === "string")
    .map((e) => e.id)
    .sort();
  await expect
    .poll(async () => (await welcomeRows(appDb.pool)).map((r) => r.event_id).sort(), {
      timeout: 20_000,
    })
    .toEqual(welcomed);
  expect(sent.map((e) => e.eventId).sort()).toEqual(welcomed);
  return { latest, welcomed };
}

it("keeps the table equal to the stream and welcomes each new contact once, across a restart", async () => {
  await start();

  // 60 contacts (every 10th without an email), an account record the app must ignore...
  await upsert(
    ids(0, 60).map((id, i) =>
      contact(id, {
        FirstName: `First${i}`,
        LastName: `Last${i}`,
        ...(i % 10 === 0 ? {} : { Email: `c${i}@example.com` }),
      }),
    ),
  );
  await client.records.upsert(streamId, [
    { collection_id: "salesforce:account", upstream_id: "001A", data: { Name: "Atreides" } },
  ]);
  // ...then two rounds of updates of 30 of them, and 10 deletes, racing the workers.
  for (const round of [1, 2]) {
    await upsert(
      ids(0, 30).map((id, i) =>
        contact(id, { FirstName: `First${i}`, Email: `r${round}-${i}@example.com` }),
      ),
    );
  }
  await upsert(ids(50, 60).map((id) => contact(id, { FirstName: "gone" }, true)));

  const first = await expectInSync();
  expect(first.latest).toHaveLength(60);
  expect(first.welcomed).toHaveLength(54);

  // Restart: the consumers exist already; what was written meanwhile is picked up.
  await app?.stop();
  app = undefined;
  await upsert(
    ids(60, 70).map((id) => contact(id, { FirstName: "New", Email: "new@example.com" })),
  );
  await upsert(
    ids(0, 10).map((id) => contact(id, { FirstName: "Again", Email: "again@example.com" })),
  );
  await start();

  const second = await expectInSync();
  expect(second.latest).toHaveLength(70);
  expect(second.welcomed).toHaveLength(64);
  expect((await contactRows(appDb.pool)).filter((r) => r.deleted)).toHaveLength(10);
  expect(errors).toEqual([]);
});

it("survives its idle database connections being terminated (as in a Postgres restart)", async () => {
  if (!app) await start();
  await expectInSync();
  // Every connection of the app's database but this one: the app's pool has idle ones.
  const { rows } = await appDb.pool.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [appDb.name],
  );
  expect(rows[0]?.n).toBeGreaterThan(0);
  await expect.poll(() => poolErrors.length).toBeGreaterThan(0);

  await upsert(
    ids(70, 80).map((id) => contact(id, { FirstName: "After", Email: "after@example.com" })),
  );
  const after = await expectInSync();
  expect(after.latest).toHaveLength(80);
  expect(poolErrors.every((e) => /terminat/i.test(e.message))).toBe(true);
});
