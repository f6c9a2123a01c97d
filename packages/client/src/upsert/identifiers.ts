import type { TableName } from "./types.js";

/** A table name split into its parts. */
export interface QualifiedName {
  schema: string | undefined;
  name: string;
}

/** Quotes one identifier for Postgres: wrapped in double quotes, inner quotes doubled. */
export function quoteIdent(identifier: string): string {
  if (identifier === "" || identifier.includes("\u0000")) {
    throw new TypeError(`invalid SQL identifier: ${JSON.stringify(identifier)}`);
  }
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Reads `"table"`, `"schema.table"` or `{ schema, name }`. */
export function parseTableName(table: TableName): QualifiedName {
  if (typeof table !== "string") return { schema: table.schema, name: table.name };
  const parts = table.split(".");
  if (parts.length === 1) return { schema: undefined, name: table };
  if (parts.length === 2) return { schema: parts[0], name: parts[1] as string };
  throw new TypeError(
    `table "${table}" has more than one dot; pass { schema, name } for names that hold a dot`,
  );
}

/** The quoted, optionally schema-qualified name. */
export function quoteTable(table: QualifiedName): string {
  const name = quoteIdent(table.name);
  return table.schema === undefined ? name : `${quoteIdent(table.schema)}.${name}`;
}

/** The tombstone table: the one given, else `<table>_tombstones` beside the table. */
export function tombstoneTableOf(table: QualifiedName, given?: TableName): QualifiedName {
  if (given !== undefined) return parseTableName(given);
  return { schema: table.schema, name: `${table.name}_tombstones` };
}
