import { WRITE_ROUTINES_SQL } from "../records/write-routines.js";
import type { Queryable } from "./db.js";

/**
 * Functions the server calls, installed by `migrate` after the migrations. They are built from
 * the server's code (their names carry a hash of their text), so unlike migrations they are
 * (re)installed by every version of the server; an older server's functions stay for it.
 */
export async function installRoutines(tx: Queryable): Promise<void> {
  for (const sql of WRITE_ROUTINES_SQL) await tx.query(sql);
}
