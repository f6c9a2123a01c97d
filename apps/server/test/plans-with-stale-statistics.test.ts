// The record write must reach rows through a key even when the statistics are stale: a table
// analysed while empty that grew within the last minute, before autovacuum analysed it again.
// The write's statements kept from a first write on near-empty tables walked every record once
// per input (4,000,100 rows thrown away, 2.3 s, for 100 records: bench/LOG.md, 2026-11-26).
// Since migration 0031 the write's plans are kept for the connection from its first call, so both
// statistics an empty table can have are tried: analysed while empty (no rows), and never
// analysed (the planner assumes ten pages). auto_explain reports each plan with its row counts;
// no step may discard or read thousands of rows. The consume core's routines have the same check
// in window-plans.test.ts.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../src/db/db.js";
import { migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createAccount } from "../src/index.js";
import { writeRecords } from "../src/records/write-records.js";
import { createEmptyDatabase, useTestDatabase } from "./helpers/database.js";
import {
  insertRecordBacklog,
  LoggedPlans,
  mostRowsDiscarded,
  mostRowsRead,
} from "./helpers/plans.js";

const ROWS = 20_000;

describe.each([
  ["analysed while empty", true],
  ["never analysed", false],
])("tables %s when the connection first wrote", (_name, analysed) => {
  const database = useTestDatabase();
  let client: pg.Client;
  let plans: LoggedPlans;
  let account: Awaited<ReturnType<typeof createAccount>>;

  beforeAll(async () => {
    const db = await database.open();
    account = await createAccount(db, "plans");
    // One connection for the whole file: a plan it caches stays with it.
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
    plans = new LoggedPlans(client);
    for (const table of ["record_keys", "record_versions"])
      await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
    // The first write runs while the tables are (nearly) empty, so whatever plan it keeps for the
    // connection is made from these statistics.
    if (analysed) await client.query("ANALYZE record_keys, record_versions");
    const first = await writeRecords(
      client as unknown as Queryable,
      account.accountId,
      account.defaultStreamId,
      [{ collection_id: "plans:first", upstream_id: "first", data: {} }],
    );
    expect(first.results[0]?.result).toBe("inserted");
    // Then a backlog arrives, without ANALYZE.
    await insertRecordBacklog(client, account.accountId, account.defaultStreamId, ROWS);
    await plans.explainFromNow();
  });
  afterAll(async () => {
    await client?.end();
  });

  it("a write of 100 changed records finds them by key, not by walking", async () => {
    const { rows } = await client.query<{ collection_id: string; upstream_id: string }>(
      `SELECT collection_id, upstream_id FROM record_versions WHERE account_id = $1
       ORDER BY updated_idx DESC LIMIT 100`,
      [account.accountId],
    );
    plans.take();
    await client.query("BEGIN");
    try {
      const result = await writeRecords(
        client as unknown as Queryable,
        account.accountId,
        account.defaultStreamId,
        rows.map((r) => ({ ...r, data: { changed: true } })),
      );
      expect(result.results.every((r) => r.result === "updated")).toBe(true);
      const logged = plans.take();
      // The statements run inside the write routine: auto_explain logs them as nested statements.
      expect(logged).toContain("record_keys_identity");
      expect(logged).not.toMatch(/Seq Scan on record_(keys|versions)/);
      expect(mostRowsDiscarded(logged)).toBeLessThan(1_000);
      for (const table of ["record_keys", "record_versions"])
        expect(mostRowsRead(logged, table), table).toBeLessThan(1_000);
    } finally {
      await client.query("ROLLBACK");
    }
  });
});

it("a freshly migrated database leaves the record tables unanalysed, so a kept plan of the view probes", async () => {
  // Migration 0031 once ran ANALYZE on its new, empty tables: that records them as empty (no
  // ten-page assumption), and a plan kept from it seq-scanned both tables for every record read.
  const { url, drop } = await createEmptyDatabase();
  const db = await openDatabase({ databaseUrl: url });
  try {
    await migrate(db);
    const plan = await db.transaction(async (tx) => {
      await tx.query("SET LOCAL plan_cache_mode = force_generic_plan");
      await tx.query(
        "PREPARE one_record(uuid, uuid) AS SELECT to_jsonb(r) FROM records r WHERE r.account_id = $1 AND r.id = $2",
      );
      const { rows } = await tx.query<{ "QUERY PLAN": string }>(
        "EXPLAIN EXECUTE one_record(gen_random_uuid(), gen_random_uuid())",
      );
      await tx.query("DEALLOCATE one_record");
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toContain("record_keys_pkey");
  } finally {
    await db.close();
    await drop();
  }
});
