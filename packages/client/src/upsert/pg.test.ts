import { describe, expect, it } from "vitest";
import type { SequinRecord } from "../types.js";
import { type PgQueryable, tombstoneTableSql, upsertRecords } from "./pg.js";

const record = (id: string, updated_idx: number, deleted = false) =>
  ({ id, updated_idx, deleted, data: {}, sync: null, upstream_id: id }) as unknown as SequinRecord;

/** A stand-in for node-postgres that records what it is sent. */
function fakeDb(answer: (text: string) => unknown[] = () => []) {
  const sent: { text: string; values: unknown[] | undefined; on: string }[] = [];
  const queryable = (on: string): PgQueryable => ({
    query: async (text, values) => {
      sent.push({ text, values, on });
      if (text.startsWith("WITH") && text.includes("fail")) throw new Error("boom");
      return { rows: answer(text) };
    },
  });
  return { sent, queryable };
}

describe("@sequin/client/pg statements", () => {
  it("sends a 1,000-record batch as one statement with one parameter", async () => {
    const { sent, queryable } = fakeDb();
    const batch = Array.from({ length: 1000 }, (_, i) => record(`r${i}`, i));
    expect(await upsertRecords(queryable("client"), "contacts", batch)).toEqual({
      applied: 0,
      skipped: 1000,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.values).toHaveLength(1);
    expect(JSON.parse(sent[0]?.values?.[0] as string)).toHaveLength(1000);
    expect(sent[0]?.text).toContain('WHERE "target"."updated_idx" < EXCLUDED."updated_idx"');
  });

  it("runs a hard-delete batch in a transaction of its own when given a Pool", async () => {
    const { sent, queryable } = fakeDb();
    const released: unknown[] = [];
    const pool = {
      ...queryable("pool"),
      totalCount: 0,
      connect: async () => ({
        ...queryable("checked out"),
        release: (e?: unknown) => released.push(e),
      }),
    };
    await upsertRecords(pool, "contacts", [record("a", 2, true)], { deleteMode: "hard" });
    expect(sent.map((s) => [s.on, s.text.slice(0, 11)])).toEqual([
      ["checked out", "BEGIN"],
      ["checked out", "INSERT INTO"],
      ["checked out", 'WITH "delet'],
      ["checked out", "COMMIT"],
    ]);
    expect(released).toEqual([undefined]);
  });

  it("rolls back and releases the connection when a statement fails", async () => {
    const { sent, queryable } = fakeDb();
    const released: unknown[] = [];
    const pool = {
      ...queryable("pool"),
      totalCount: 0,
      connect: async () => ({
        ...queryable("checked out"),
        release: (e?: unknown) => released.push(e),
      }),
    };
    await expect(
      upsertRecords(pool, "fail", [record("a", 2, true)], { deleteMode: "hard" }),
    ).rejects.toThrow("boom");
    expect(sent.map((s) => s.text.slice(0, 8)).at(-1)).toBe("ROLLBACK");
    expect(released).toEqual([undefined]);
  });

  it("runs hard-delete statements in order on a client (it may be in your transaction)", async () => {
    const { sent, queryable } = fakeDb();
    await upsertRecords(queryable("client"), "contacts", [record("a", 2)], { deleteMode: "hard" });
    expect(sent.map((s) => s.text.slice(0, 6))).toEqual(["INSERT", 'WITH "']);
  });

  it("counts a write that a concurrent delete's tombstone covers as skipped", async () => {
    const { queryable } = fakeDb((text) =>
      text.startsWith("INSERT")
        ? [
            { id: "a", v: "3" },
            { id: "b", v: "3" },
          ]
        : [{ id: "a", v: "5" }],
    );
    const result = await upsertRecords(
      queryable("client"),
      "contacts",
      [record("a", 3), record("b", 3), record("c", 1)],
      { deleteMode: "hard" },
    );
    expect(result).toEqual({ applied: 1, skipped: 2 });
  });

  it("prints the tombstone table DDL", () => {
    expect(tombstoneTableSql("crm.contacts")).toBe(
      'CREATE TABLE IF NOT EXISTS "crm"."contacts_tombstones" (id text PRIMARY KEY, updated_idx bigint NOT NULL)',
    );
  });
});
