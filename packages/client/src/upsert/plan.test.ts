import { describe, expect, it } from "vitest";
import type { SequinRecord } from "../types.js";
import { columnNames, keysJson, planUpsert, rowsJson } from "./plan.js";
import { param, toPositional } from "./sql-parts.js";

const record = {
  id: "r1",
  upstream_id: "u1",
  updated_idx: 7,
  deleted: true,
  data: { Email: "e" },
  sync: null,
} as unknown as SequinRecord<object>;

describe("planUpsert", () => {
  it("defaults to the recommended columns, soft deletes and <table>_tombstones", () => {
    const plan = planUpsert("crm.contacts");
    expect(columnNames(plan)).toEqual([
      "id",
      "updated_idx",
      "upstream_id",
      "deleted",
      "sync_id",
      "sync_external_id",
      "sync_metadata",
      "data",
    ]);
    expect(plan.hard).toBe(false);
    expect(plan.target.tombstones).toEqual({ schema: "crm", name: "contacts_tombstones" });
  });

  it("writes one JSON object per record, with nulls for missing values", () => {
    const plan = planUpsert("t", {
      idColumn: "pk",
      versionColumn: "v",
      columns: { mail: "data.Email", s: "sync.id" },
    });
    expect(JSON.parse(rowsJson(plan, [record]))).toEqual([{ pk: "r1", v: 7, mail: "e", s: null }]);
    expect(JSON.parse(keysJson(plan, [record]))).toEqual([{ pk: "r1", v: 7 }]);
  });

  it("rejects an unknown delete mode and one column for both id and version", () => {
    expect(() => planUpsert("t", { deleteMode: "purge" as "hard" })).toThrow('"soft" or "hard"');
    expect(() => planUpsert("t", { idColumn: "x", versionColumn: "x" })).toThrow("different");
  });
});

describe("toPositional", () => {
  it("numbers parameters in order", () => {
    expect(toPositional(["a = ", param(1), " AND b = ", param("x"), ""])).toEqual({
      text: "a = $1 AND b = $2",
      values: [1, "x"],
    });
  });
});
