import { describe, expect, it } from "vitest";
import type { SequinRecord } from "../types.js";
import { compileColumns, readPath, toJsonValue } from "./column-values.js";
import { defaultColumns } from "./default-columns.js";

const record = {
  id: "r1",
  upstream_id: "u1",
  updated_idx: 7,
  deleted: false,
  data: { Email: "paul@caladan.org", Address: { City: "Arrakeen" }, "dotted.key": 1 },
  sync: { id: "s1", external_id: "acct-9", metadata: { plan: "pro" } },
} as unknown as SequinRecord<object>;

describe("readPath", () => {
  it("follows dotted paths into the record and its data", () => {
    expect(readPath(record, "upstream_id")).toBe("u1");
    expect(readPath(record, "sync.external_id")).toBe("acct-9");
    expect(readPath(record, "data.Address.City")).toBe("Arrakeen");
  });

  it("gives undefined when a step is missing or not an object", () => {
    expect(readPath(record, "data.Missing.City")).toBeUndefined();
    expect(readPath(record, "data.Email.length")).toBeUndefined();
    expect(readPath({ sync: null }, "sync.id")).toBeUndefined();
  });
});

describe("compileColumns", () => {
  it("reads the default columns", () => {
    const columns = compileColumns(defaultColumns, ["id", "updated_idx"]);
    expect(Object.fromEntries(columns.map((c) => [c.column, c.read(record)]))).toEqual({
      upstream_id: "u1",
      deleted: false,
      sync_id: "s1",
      sync_external_id: "acct-9",
      sync_metadata: { plan: "pro" },
      data: record.data,
    });
  });

  it("accepts functions, for keys a path cannot reach", () => {
    const [column] = compileColumns(
      { n: (r: SequinRecord) => (r.data["dotted.key"] as number) + 1 },
      ["id"],
    );
    expect(column?.read(record)).toBe(2);
  });

  it("refuses to map the id or version column, and malformed paths", () => {
    expect(() => compileColumns({ id: "upstream_id" }, ["id", "updated_idx"])).toThrow(
      'must not map "id"',
    );
    expect(() => compileColumns({ v: "updated_idx" }, ["id", "v"])).toThrow('must not map "v"');
    expect(() => compileColumns({ x: "data..a" }, [])).toThrow("columns.x");
    expect(() => compileColumns({ x: 3 as unknown as string }, [])).toThrow("columns.x");
  });
});

describe("toJsonValue", () => {
  it("turns undefined into null so the column is written as NULL", () => {
    expect(JSON.stringify({ a: toJsonValue(undefined), b: toJsonValue(0) })).toBe(
      '{"a":null,"b":0}',
    );
  });
});
