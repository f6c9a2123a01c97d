// The contacts sync against the MSW mock: records land in the table, updates replace, deletes
// are soft. The stale-write race has a file of its own (stale-write.test.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningApp, startApp } from "../src/app.js";
import {
  contactRows,
  createTestDatabase,
  type TestDatabase,
  truncateAppTables,
} from "./helpers/database.js";
import { contact, expectedRows, testConfig } from "./helpers/expected.js";
import { MOCK_URL, mockSequin, testTuning } from "./helpers/mock.js";

const sequin = mockSequin();
const { mock } = sequin;
let db: TestDatabase;
let app: RunningApp | undefined;
const errors: unknown[] = [];

beforeAll(async () => {
  sequin.listen();
  db = await createTestDatabase("sync");
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  mock.reset();
  await truncateAppTables(db.pool);
  expect(errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  sequin.close();
  await db?.drop();
});

async function start() {
  app = await startApp({
    config: testConfig(MOCK_URL, mock.token, db.url),
    contacts: testTuning(errors),
    welcome: testTuning(errors),
    send: () => {},
  });
}

const latest = () => expectedRows(mock.records());

describe("contacts sync (mock)", () => {
  it("creates both consumers when they are missing", async () => {
    await start();
    expect(mock.consumer("contacts-sync")).toMatchObject({
      kind: "record",
      filters: { collection_id: "salesforce:contact" },
    });
    expect(mock.consumer("contacts-welcome")).toMatchObject({
      kind: "event",
      deliver_policy: "new",
      filters: { collection_id: "salesforce:contact" },
    });
  });

  it("copies salesforce:contact records into the table, typed columns included", async () => {
    await start();
    mock.seed.records([
      contact("003A", { FirstName: "Paul", LastName: "Atreides", Email: "paul@arrakis.org" }),
      contact("003B", { FirstName: "Chani", LastName: "Kynes" }),
      { collection_id: "salesforce:account", upstream_id: "001A", data: { Name: "Atreides" } },
    ]);
    await expect.poll(() => contactRows(db.pool)).toHaveLength(2);

    const rows = await contactRows(db.pool);
    expect(rows).toEqual(latest());
    expect(rows.map((r) => [r.upstream_id, r.email, r.first_name, r.last_name])).toEqual([
      ["003A", "paul@arrakis.org", "Paul", "Atreides"],
      ["003B", null, "Chani", "Kynes"],
    ]);
  });

  it("replaces a row when its record is updated", async () => {
    await start();
    mock.seed.records([contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" })]);
    await expect.poll(() => contactRows(db.pool)).toHaveLength(1);
    const [before] = await contactRows(db.pool);

    mock.seed.records([contact("003A", { FirstName: "Paul", Email: "muaddib@arrakis.org" })]);
    await expect
      .poll(async () => (await contactRows(db.pool))[0]?.email)
      .toBe("muaddib@arrakis.org");

    const rows = await contactRows(db.pool);
    expect(rows).toEqual(latest());
    expect(rows[0]?.id).toBe(before?.id);
    expect(rows[0]?.updated_idx).toBeGreaterThan(before?.updated_idx ?? Infinity);
  });

  it("keeps a deleted contact as a soft-deleted row", async () => {
    await start();
    mock.seed.records([
      contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" }),
      contact("003B", { FirstName: "Leto" }),
    ]);
    await expect.poll(() => contactRows(db.pool)).toHaveLength(2);

    mock.seed.records([contact("003B", { FirstName: "Leto" }, true)]);
    await expect
      .poll(async () => (await contactRows(db.pool)).map((r) => [r.upstream_id, r.deleted]))
      .toEqual([
        ["003A", false],
        ["003B", true],
      ]);
    expect(await contactRows(db.pool)).toEqual(latest());
  });

  it("syncs what was in the stream before the service started (backfill)", async () => {
    mock.seed.records([
      contact("003A", { FirstName: "Paul" }),
      contact("003B", { FirstName: "Alia" }),
    ]);
    await start();
    await expect.poll(() => contactRows(db.pool)).toEqual(latest());
    expect(latest()).toHaveLength(2);
  });
});
