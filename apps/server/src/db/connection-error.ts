/** Network failures of a connection attempt (Node's codes), and what they mean. */
const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
};

/** SQLSTATE classes of a refused login: 28 (authorization), 3D (no such database). */
const LOGIN_CLASSES = ["28", "3D"];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  const inner = (err as { errors?: unknown[] } | null)?.errors;
  return Array.isArray(inner) ? inner.map(codeOf).find(Boolean) : undefined;
}

/** host:port of a postgres:// URL, with libpq's defaults. */
export function postgresAddress(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const host = url.hostname || url.searchParams.get("host") || "localhost";
    return `${host}:${url.port || url.searchParams.get("port") || "5432"}`;
  } catch {
    return "the DATABASE_URL address";
  }
}

/**
 * One line for an error that means "cannot reach or log in to this Postgres", naming the host and
 * port and what to check; undefined for any other error. The URL's password is never shown.
 */
export function describeConnectionError(err: unknown, databaseUrl: string): string | undefined {
  const where = postgresAddress(databaseUrl);
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code && NETWORK[code]) {
    return `Cannot connect to Postgres at ${where} (${NETWORK[code]}). Check that Postgres is running and accepts TCP connections there, and that DATABASE_URL (or --database-url) names the right host and port.`;
  }
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    return `Cannot connect to Postgres at ${where} (no answer within 5 s). Check that Postgres is running there and that no firewall drops the connection.`;
  }
  if (code && LOGIN_CLASSES.includes(code.slice(0, 2))) {
    return `Postgres at ${where} refused the connection: ${message}. Check the user, password and database name in DATABASE_URL.`;
  }
  return undefined;
}
