import { describe, expect, it } from "vitest";
import type { SequinRecord } from "../types.js";
import { prepareBatch } from "./dedupe.js";

const record = (id: string, updated_idx: number, tag = ""): SequinRecord =>
  ({ id, updated_idx, deleted: false, data: { tag } }) as unknown as SequinRecord;

describe("prepareBatch", () => {
  it("keeps the highest updated_idx per id and counts the rest as superseded", () => {
    const { records, superseded } = prepareBatch([
      record("a", 2),
      record("a", 5),
      record("b", 1),
      record("a", 3),
    ]);
    expect(records.map((r) => [r.id, r.updated_idx])).toEqual([
      ["a", 5],
      ["b", 1],
    ]);
    expect(superseded).toBe(2);
  });

  it("lets the later of two equal versions win", () => {
    const { records } = prepareBatch([record("a", 5, "first"), record("a", 5, "second")]);
    expect(records.map((r) => r.data.tag)).toEqual(["second"]);
  });

  it('sorts by UTF-16 code unit, like COLLATE "C"', () => {
    const { records } = prepareBatch([
      record("b", 1),
      record("B", 1),
      record("a", 1),
      record("_", 1),
    ]);
    expect(records.map((r) => r.id)).toEqual(["B", "_", "a", "b"]);
  });

  it("rejects a record without an id or with a non-integer updated_idx", () => {
    expect(() => prepareBatch([record("", 1)])).toThrow("records[0].id");
    expect(() => prepareBatch([record("a", 1), record("b", 1.5)])).toThrow(
      "records[1].updated_idx",
    );
    expect(() => prepareBatch([record("a", Number.NaN)])).toThrow(TypeError);
    const message = { ack_token: "t", record: record("a", 1) } as unknown as SequinRecord;
    expect(() => prepareBatch([message])).toThrow("pass message.record, not the message");
  });
});
