/** Postgres's deadlock_detected, and Prisma's code for a deadlock or write conflict. */
const RETRYABLE_CODES = new Set(["40P01", "P2034"]);

/** True when the error, or one it wraps (`cause`), is a deadlock. */
export function isDeadlock(error: unknown): boolean {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && RETRYABLE_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `attempt` again when Postgres broke a deadlock by aborting it, up to 3 times. Only for work
 * whose transaction the helper owns: nothing of an aborted attempt was committed, so it is safe to
 * repeat. Each helper statement locks rows in id order, but a hard-delete cleanup may meet a row
 * another writer (on a bare pg Client) left for its own cleanup, and then the order is broken.
 */
export async function retryOnDeadlock<T>(
  attempt: () => Promise<T>,
  canRetry: () => boolean = () => true,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 3 || !isDeadlock(error) || !canRetry()) throw error;
    }
  }
}
