/** A piece of SQL: literal text, or a bound parameter. */
export type SqlPart = string | { param: unknown };

/** Marks a value as a bound parameter. */
export function param(value: unknown): SqlPart {
  return { param: value };
}

/** Renders parts with `$1, $2, ...` placeholders (node-postgres, Prisma's `$queryRawUnsafe`). */
export function toPositional(parts: readonly SqlPart[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text += part;
    } else {
      values.push(part.param);
      text += `$${values.length}`;
    }
  }
  return { text, values };
}
