/** A timestamp column as RFC 3339 in UTC. */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A nullable timestamp column as RFC 3339 in UTC, or null. */
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** Matches a canonical uuid (what Postgres' uuid type would accept from us). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `a, b` with from `r.` to `r_` -> `r.a AS r_a, r.b AS r_b`: two tables' columns in one row. */
export function prefixed(columns: string, from: string, to: string): string {
  return columns
    .split(", ")
    .map((c) => `${from}${c} AS ${to}${c}`)
    .join(", ");
}

/** The columns of `row` that start with `prefix`, without it. */
export function unprefix<T>(row: object, prefix: string): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out as T;
}
