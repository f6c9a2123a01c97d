import { describe, expect, it } from "vitest";
import { parseTableName, quoteIdent, quoteTable, tombstoneTableOf } from "./identifiers.js";

describe("identifiers", () => {
  it("quotes identifiers, doubling inner quotes", () => {
    expect(quoteIdent("contacts")).toBe('"contacts"');
    expect(quoteIdent('we"ird; DROP TABLE x')).toBe('"we""ird; DROP TABLE x"');
    expect(() => quoteIdent("")).toThrow(TypeError);
    expect(() => quoteIdent("a\u0000b")).toThrow(TypeError);
  });

  it("reads plain, schema-qualified and object table names", () => {
    expect(quoteTable(parseTableName("contacts"))).toBe('"contacts"');
    expect(quoteTable(parseTableName("crm.contacts"))).toBe('"crm"."contacts"');
    expect(quoteTable(parseTableName({ schema: "a.b", name: "c.d" }))).toBe('"a.b"."c.d"');
    expect(() => parseTableName("a.b.c")).toThrow("{ schema, name }");
  });

  it("puts the tombstone table beside the table unless told otherwise", () => {
    expect(tombstoneTableOf({ schema: "crm", name: "contacts" })).toEqual({
      schema: "crm",
      name: "contacts_tombstones",
    });
    expect(tombstoneTableOf({ schema: "crm", name: "contacts" }, "graveyard")).toEqual({
      schema: undefined,
      name: "graveyard",
    });
  });
});
