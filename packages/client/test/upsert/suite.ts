import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SequinRecord } from "../../src/types.js";
import type { UpsertResult } from "../../src/upsert/types.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { runRace, type UpsertFn } from "./race.js";
import { makeRecord } from "./records.js";
import { schemaSql } from "./schema.js";

type Mode = "soft" | "hard";

/** What each driver's test file provides, bound to a fresh database. */
export interface Harness {
  /** `upsertRecords` into `contacts` (default columns). */
  contacts(records: SequinRecord[], mode?: Mode): Promise<UpsertResult>;
  /** `upsertRecord` into `contacts`. */
  one(record: SequinRecord, mode?: Mode): Promise<UpsertResult>;
  /**
   * `upsertRecords` into `"crm ""eu""".people`: id `sequin_id` (uuid), version `version`,
   * email <- "data.Email", `city "name"` <- a function reading data.Address.City,
   * tags (text[]) <- "data.Tags", synced_for <- "sync.external_id".
   */
  people(records: SequinRecord[]): Promise<UpsertResult>;
  /** Runs `body` in a transaction of the driver's own API, rolled back when `body` throws. */
  transaction(
    body: (
      upsert: (records: SequinRecord[], mode?: Mode) => Promise<UpsertResult>,
    ) => Promise<void>,
  ): Promise<void>;
  /** `count` upsert functions on distinct connections. */
  writers(count: number, mode: Mode): Promise<UpsertFn[]>;
  close(): Promise<void>;
}

class Rollback extends Error {}

export function describeUpsertDriver(label: string, open: (url: string) => Promise<Harness>): void {
  describe(`${label} guarded upsert`, () => {
    let database: TestDatabase;
    let harness: Harness;
    let db: pg.Pool;

    beforeAll(async () => {
      database = await createTestDatabase(label, schemaSql);
      db = new pg.Pool({ connectionString: database.url, max: 2 });
      harness = await open(database.url);
    });
    afterAll(async () => {
      await harness?.close();
      await db?.end();
      await database?.drop();
    });

    const row = async (id: string) =>
      (await db.query("SELECT *, updated_idx::int AS v FROM contacts WHERE id = $1", [id])).rows[0];
    const tombstone = async (id: string) =>
      (await db.query("SELECT updated_idx::int AS v FROM contacts_tombstones WHERE id = $1", [id]))
        .rows[0]?.v;

    it("inserts a new record into the default columns", async () => {
      const record = makeRecord("a1", 5);
      expect(await harness.one(record)).toEqual({ applied: 1, skipped: 0 });
      expect(await row("a1")).toEqual({
        id: "a1",
        upstream_id: "up-a1",
        deleted: false,
        updated_idx: "5",
        v: 5,
        sync_id: "sync-1",
        sync_external_id: "acct-1",
        sync_metadata: { plan: "pro" },
        data: { Email: "a1@example.com", version: 5 },
      });
    });

    it("overwrites with a newer version and skips older and equal ones", async () => {
      expect(await harness.one(makeRecord("b1", 10))).toEqual({ applied: 1, skipped: 0 });
      expect(await harness.one(makeRecord("b1", 20))).toEqual({ applied: 1, skipped: 0 });
      expect(await harness.one(makeRecord("b1", 15))).toEqual({ applied: 0, skipped: 1 });
      expect(await harness.one(makeRecord("b1", 20, { data: { changed: true } }))).toEqual({
        applied: 0,
        skipped: 1,
      });
      const stored = await row("b1");
      expect(stored.v).toBe(20);
      expect(stored.data).toEqual({ Email: "b1@example.com", version: 20 });
    });

    it("writes a record without sync and nulls its sync columns", async () => {
      await harness.one(makeRecord("c1", 1, { sync: null }));
      const stored = await row("c1");
      expect([stored.sync_id, stored.sync_external_id, stored.sync_metadata]).toEqual([
        null,
        null,
        null,
      ]);
    });

    it("deduplicates a batch by id, keeping the highest updated_idx", async () => {
      await harness.one(makeRecord("d2", 7));
      const result = await harness.contacts([
        makeRecord("d1", 1),
        makeRecord("d1", 3),
        makeRecord("d2", 5), // stale against the stored 7
        makeRecord("d1", 2),
        makeRecord("d3", 1),
      ]);
      expect(result).toEqual({ applied: 2, skipped: 3 });
      expect((await row("d1")).v).toBe(3);
      expect((await row("d2")).v).toBe(7);
      expect((await row("d3")).v).toBe(1);
    });

    it("answers an empty batch without writing", async () => {
      expect(await harness.contacts([])).toEqual({ applied: 0, skipped: 0 });
    });

    it("writes 1,000 records in one call, then skips them all when replayed", async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => makeRecord(`bulk-${i}`, i + 1));
      expect(await harness.contacts(batch)).toEqual({ applied: 1000, skipped: 0 });
      expect(await harness.contacts(batch.reverse())).toEqual({ applied: 0, skipped: 1000 });
      const { rows } = await db.query(
        "SELECT count(*)::int AS n FROM contacts WHERE id LIKE 'bulk-%'",
      );
      expect(rows[0].n).toBe(1000);
    });

    it("soft delete keeps the row with deleted = true, and a late older update cannot undo it", async () => {
      await harness.one(makeRecord("s1", 1));
      expect(await harness.one(makeRecord("s1", 2, { deleted: true }))).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await harness.one(makeRecord("s1", 1))).toEqual({ applied: 0, skipped: 1 });
      const stored = await row("s1");
      expect([stored.deleted, stored.v]).toEqual([true, 2]);
    });

    it("hard delete removes the row and a late older update does not bring it back", async () => {
      await harness.one(makeRecord("h1", 1), "hard");
      expect(await harness.one(makeRecord("h1", 3, { deleted: true }), "hard")).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await row("h1")).toBeUndefined();
      expect(await tombstone("h1")).toBe(3);
      expect(await harness.one(makeRecord("h1", 2), "hard")).toEqual({ applied: 0, skipped: 1 });
      expect(await harness.one(makeRecord("h1", 3, { deleted: true }), "hard")).toEqual({
        applied: 0,
        skipped: 1,
      });
      expect(await row("h1")).toBeUndefined();
      // A newer version (the object came back upstream) is written again.
      expect(await harness.one(makeRecord("h1", 4), "hard")).toEqual({ applied: 1, skipped: 0 });
      expect((await row("h1")).v).toBe(4);
    });

    it("hard delete of a record never stored leaves only a tombstone", async () => {
      const result = await harness.contacts(
        [makeRecord("h2", 9, { deleted: true }), makeRecord("h3", 1), makeRecord("h2", 8)],
        "hard",
      );
      expect(result).toEqual({ applied: 2, skipped: 1 });
      expect(await row("h2")).toBeUndefined();
      expect(await tombstone("h2")).toBe(9);
      expect(await harness.contacts([makeRecord("h2", 5), makeRecord("h3", 2)], "hard")).toEqual({
        applied: 1,
        skipped: 1,
      });
      expect(await row("h2")).toBeUndefined();
    });

    it("maps custom columns: schema, names with quotes, uuid id, data fields, arrays", async () => {
      const id = "5b3c1f9e-3a47-4d0c-9a8f-0d6a2f0b7c11";
      const record = (v: number, city: string) =>
        makeRecord(id, v, {
          data: { Email: "paul@caladan.org", Address: { City: city }, Tags: ["vip", "eu"] },
        });
      expect(await harness.people([record(2, "Arrakeen")])).toEqual({ applied: 1, skipped: 0 });
      expect(await harness.people([record(1, "Caladan")])).toEqual({ applied: 0, skipped: 1 });
      expect(await harness.people([record(3, "Sietch Tabr")])).toEqual({ applied: 1, skipped: 0 });
      const { rows } = await db.query(`SELECT * FROM "crm ""eu""".people`);
      expect(rows).toEqual([
        {
          sequin_id: id,
          version: "3",
          email: "paul@caladan.org",
          'city "name"': "Sietch Tabr",
          tags: ["vip", "eu"],
          synced_for: "acct-1",
        },
      ]);
    });

    it("joins the caller's transaction: a rollback leaves nothing, a commit keeps the writes", async () => {
      await expect(
        harness.transaction(async (upsert) => {
          expect(await upsert([makeRecord("t1", 1), makeRecord("t2", 1)])).toEqual({
            applied: 2,
            skipped: 0,
          });
          expect((await upsert([makeRecord("t1", 1)])).skipped).toBe(1);
          throw new Rollback();
        }),
      ).rejects.toBeInstanceOf(Rollback);
      expect(await row("t1")).toBeUndefined();
      expect(await row("t2")).toBeUndefined();

      await harness.transaction(async (upsert) => {
        await upsert([makeRecord("t1", 2)]);
      });
      expect((await row("t1")).v).toBe(2);
    });

    it("rolls back a hard delete with the caller's transaction", async () => {
      await harness.one(makeRecord("t3", 1), "hard");
      await expect(
        harness.transaction(async (upsert) => {
          expect(await upsert([makeRecord("t3", 2, { deleted: true })], "hard")).toEqual({
            applied: 1,
            skipped: 0,
          });
          throw new Rollback();
        }),
      ).rejects.toBeInstanceOf(Rollback);
      expect((await row("t3")).v).toBe(1);
      expect(await tombstone("t3")).toBeUndefined();
    });

    it("race, soft deletes: concurrent writers in random order keep the newest version", async () => {
      const writers = await harness.writers(8, "soft");
      const totals = await runRace(db, {
        writers,
        rounds: 4,
        idsPerRound: 10,
        versionsPerId: 30,
        deleteShare: 0.2,
        maxBatch: 4,
        mode: "soft",
      });
      expect(totals.writes).toBe(1200);
      // The race really raced: real time forced both outcomes many times.
      expect(totals.mustSkip).toBeGreaterThan(50);
      expect(totals.mustApply).toBeGreaterThan(10);
    });

    it("race, hard deletes: concurrent writers never resurrect a deleted row", async () => {
      const writers = await harness.writers(8, "hard");
      const totals = await runRace(db, {
        writers,
        rounds: 4,
        idsPerRound: 8,
        versionsPerId: 25,
        deleteShare: 0.4,
        maxBatch: 4,
        mode: "hard",
      });
      expect(totals.writes).toBe(800);
      expect(totals.mustSkip).toBeGreaterThan(50);
    });
  });
}
