import { afterAll, beforeAll } from "vitest";
import type { Db } from "../src/db/db.js";
import { migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { newAccount, startTestServer, type TestServer } from "./helpers/server.js";
import { deliveryScenarios, type ScenarioEnv } from "./scenarios/core-delivery.js";
import { managementScenarios } from "./scenarios/core-management.js";

// The same core scenarios on embedded PGlite, in memory.
let env: ScenarioEnv;
let server: TestServer;
let db: Db;

beforeAll(async () => {
  db = await openDatabase({ inMemory: true });
  await migrate(db);
  server = await startTestServer(db);
  const account = await newAccount(db, server);
  env = { server, db, api: account.api };
}, 120_000);
afterAll(async () => {
  await server?.close();
  await db?.close();
});

deliveryScenarios(() => env);
managementScenarios(() => env);
