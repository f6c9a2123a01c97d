import { decodeBase64Url, encodeBase64Url } from "../state/ids.js";
import { badRequest } from "./errors.js";

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * One page of `items` (already sorted by `keyOf`, ascending) after the cursor's key. The cursor
 * is opaque to clients: base64url JSON of the last key handed out, so pages stay stable while
 * items are added.
 */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => number,
  query: { cursor?: string | undefined; limit: number },
): Page<T> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rest = after === undefined ? items : items.filter((item) => keyOf(item) > after);
  const data = rest.slice(0, query.limit);
  const last = data.at(-1);
  const next_cursor =
    rest.length > query.limit && last !== undefined
      ? encodeBase64Url(JSON.stringify({ k: keyOf(last) }))
      : null;
  return { data, next_cursor };
}

function decodeCursor(cursor: string): number {
  const text = decodeBase64Url(cursor);
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    const k = typeof parsed === "object" && parsed !== null && "k" in parsed ? parsed.k : undefined;
    if (typeof k === "number" && Number.isSafeInteger(k) && k >= 0) return k;
  } catch {
    // Falls through to the 400 below.
  }
  throw badRequest([{ path: "cursor", message: "is not a cursor returned by this API" }]);
}
