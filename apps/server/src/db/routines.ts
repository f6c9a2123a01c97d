import { LEASE_FUNCTION_SQL } from "../consume/lease.js";
import type { Queryable } from "./db.js";

/**
 * Functions the server calls, installed by `migrate` after the migrations. They are built from
 * the server's code (their names carry a hash of their text), so unlike migrations they are
 * (re)installed by every version of the server; an older server's functions stay for it.
 */
export async function installRoutines(tx: Queryable): Promise<void> {
  await tx.query(LEASE_FUNCTION_SQL);
}
