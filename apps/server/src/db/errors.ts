// Classifies errors thrown by pg or PGlite (both carry Postgres' SQLSTATE in `code`).

interface DbErrorLike {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** The SQLSTATE of a database error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as DbErrorLike | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for a unique violation, optionally of one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (sqlState(err) !== "23505") return false;
  if (!constraint) return true;
  const named = (err as DbErrorLike).constraint;
  // PGlite does not always fill `constraint`; fall back to the message.
  return named === constraint || String((err as DbErrorLike).message ?? "").includes(constraint);
}

/** True when the statement lost a deadlock or a serialization race: the caller may retry it. */
export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state === "40P01" || state === "40001";
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
]);

/** True when the database cannot be reached (down, restarting, pool exhausted). */
export function isUnavailable(err: unknown): boolean {
  const code = (err as DbErrorLike | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  const state = sqlState(err);
  if (
    state &&
    (state.startsWith("08") ||
      state === "57P01" ||
      state === "57P02" ||
      state === "57P03" ||
      state === "53300")
  ) {
    return true;
  }
  const message = String((err as DbErrorLike | null)?.message ?? "");
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed/i.test(
    message,
  );
}

/** True for a data exception (class 22): bad input that slipped past validation. */
export function isDataException(err: unknown): boolean {
  return sqlState(err)?.startsWith("22") ?? false;
}

/** Runs `fn` again (up to 3 times) when it loses a deadlock; safe only for idempotent work. */
export async function retryOnDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 3 || !isRetryable(err)) throw err;
    }
  }
}
