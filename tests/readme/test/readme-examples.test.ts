// The root README's example and the client README's quickstart, run as their readers would run
// them against the real server (in-process, on a throwaway Postgres database): they must do what
// the text says and end on SIGTERM. The mock's "Time without sleeping" block runs too.
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
} from "@sequin/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./databases.js";
import { runSnippet } from "./run-snippet.js";

/**
 * After SIGTERM the worker drains (its long-poll is cut short, acks are sent) and the process must
 * end by itself; a handle left open (a pg pool not ended keeps idle connections for 10 s) fails this.
 */
const EXIT_AFTER_SIGTERM_MS = 5_000;

let serverDb: TestDatabase;
let db: Db | undefined;
let sequin: ReturnType<typeof createApp> | undefined;
let http: Server | undefined;
let baseUrl: string;
let token: string;

beforeAll(async () => {
  serverDb = await createTestDatabase("server");
  db = await openDatabase({ databaseUrl: serverDb.url, poolMax: 5 });
  await migrate(db);
  sequin = createApp({ db, logger: createLogger("silent") });
  await sequin.ready;
  const server = createServer(sequin.app);
  http = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (http) {
    const closed = new Promise<void>((resolve) => http?.close(() => resolve()));
    await sequin?.close();
    http.closeAllConnections();
    await closed;
  }
  await db?.close();
  await serverDb?.drop();
});

/** A fresh account, so each test's consumers and streams are its own. */
async function account(name: string): Promise<{ token: string; client: SequinClient }> {
  if (!db) throw new Error("no database");
  const created = await createAccount(db, name);
  token = created.token.token;
  return { token, client: createClient({ baseUrl, token }) };
}

describe("README.md: Use it from your app", () => {
  let appDb: TestDatabase;
  beforeAll(async () => {
    appDb = await createTestDatabase("app");
  });
  afterAll(async () => {
    await appDb?.drop();
  });

  const contacts = async () =>
    (
      await appDb.pool.query<{ upstream_id: string; data: unknown }>(
        "SELECT upstream_id, data FROM contacts ORDER BY upstream_id",
      )
    ).rows;

  it("creates its table and consumer, syncs records into the table, and exits on SIGTERM; twice", async () => {
    const { token, client } = await account("readme-example");
    const env = { SEQUIN_URL: baseUrl, SEQUIN_TOKEN: token, APP_DATABASE_URL: appDb.url };

    const first = runSnippet("README.md", "example", env);
    await expect.poll(contacts, { timeout: 30_000 }).toEqual([
      {
        upstream_id: "003A",
        data: { FirstName: "Paul", LastName: "Atreides", Email: "paul@arrakis.org" },
      },
    ]);
    // It keeps syncing what the upstream writes while it runs.
    const consumer = await client.consumers.get("contacts-to-postgres");
    const jessica = { FirstName: "Jessica", LastName: "Atreides", Email: "jessica@arrakis.org" };
    await client.records.upsert(consumer.stream_id, [
      { collection_id: "salesforce:contact", upstream_id: "003B", data: jessica },
      { collection_id: "salesforce:account", upstream_id: "001A", data: { Name: "Atreides" } },
    ]);
    await expect.poll(async () => (await contacts()).length, { timeout: 30_000 }).toBe(2);
    expect((await contacts())[1]).toEqual({ upstream_id: "003B", data: jessica });

    first.child.kill("SIGTERM");
    expect(await first.exit(EXIT_AFTER_SIGTERM_MS)).toBe(0);
    expect(first.stderr()).toBe("");

    // Run again: the table and the consumer exist now. What was written meanwhile is synced.
    const alia = { FirstName: "Alia", LastName: "Atreides", Email: "alia@arrakis.org" };
    await client.records.upsert(consumer.stream_id, [
      { collection_id: "salesforce:contact", upstream_id: "003C", data: alia },
    ]);
    const again = runSnippet("README.md", "example", env);
    await expect.poll(async () => (await contacts()).length, { timeout: 30_000 }).toBe(3);
    again.child.kill("SIGTERM");
    expect(await again.exit(EXIT_AFTER_SIGTERM_MS)).toBe(0);
    expect(again.stderr()).toBe("");
    expect((await client.consumers.peek("contacts-to-postgres")).info).toMatchObject({
      num_pending: 0,
      num_ack_pending: 0,
    });
    expect((await contacts()).map((row) => row.upstream_id)).toEqual(["003A", "003B", "003C"]);
  });
});

describe("packages/client/README.md", () => {
  it("the quickstart creates a stream, a consumer and a record, handles it, and exits on SIGTERM", async () => {
    const { token, client } = await account("readme-quickstart");
    const quickstart = runSnippet("packages/client/README.md", "quickstart", {
      SEQUIN_URL: baseUrl,
      SEQUIN_TOKEN: token,
    });
    await expect.poll(quickstart.stdout, { timeout: 30_000 }).toBe("got paul@arrakis.org\n");
    quickstart.child.kill("SIGTERM");
    expect(await quickstart.exit(EXIT_AFTER_SIGTERM_MS)).toBe(0);
    expect(quickstart.stderr()).toBe("");
    expect((await client.consumers.peek("contacts")).info).toMatchObject({
      num_pending: 0,
      num_ack_pending: 0,
    });
  });

  it("Time without sleeping: prints what its comments say and ends by itself", async () => {
    const clock = runSnippet("packages/client/README.md", "clock", {});
    expect(await clock.exit(30_000)).toBe(0);
    expect(clock.stderr()).toBe("");
    expect(clock.stdout()).toBe("2\n0\n");
  });
});
