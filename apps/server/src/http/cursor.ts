import { badParams } from "./errors.js";

// Cursors are opaque to clients: base64url of a small JSON object holding the last key seen.

/** Encodes the position after `last`. */
export function encodeCursor(last: number): string {
  return Buffer.from(JSON.stringify({ k: last })).toString("base64url");
}

/** Decodes a cursor from `encodeCursor`; anything else is a 400 naming `cursor`. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const k = (parsed as { k?: unknown } | null)?.k;
    if (typeof k === "number" && Number.isSafeInteger(k) && k >= 0) return k;
  } catch {
    // fall through
  }
  throw badParams([{ path: "cursor", message: "is not a cursor returned by this API" }]);
}

/** Splits a page fetched with limit + 1 rows into the page and its next cursor. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => number) {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const next_cursor = rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null;
  return { data, next_cursor };
}
