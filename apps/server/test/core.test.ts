import { afterAll, beforeAll } from "vitest";
import type { Db } from "../src/db/db.js";
import { useTestDatabase } from "./helpers/database.js";
import { newAccount, startTestServer, type TestServer } from "./helpers/server.js";
import { deliveryScenarios, type ScenarioEnv } from "./scenarios/core-delivery.js";
import { managementScenarios } from "./scenarios/core-management.js";

// The core scenarios on a real Postgres.
const database = useTestDatabase();
let env: ScenarioEnv;
let server: TestServer;
let db: Db;

beforeAll(async () => {
  db = await database.open();
  server = await startTestServer(db);
  const account = await newAccount(db, server);
  env = { server, db, api: account.api };
});
afterAll(() => server?.close());

deliveryScenarios(() => env);
managementScenarios(() => env);
