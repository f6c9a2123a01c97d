import { migrate, openDatabase } from "./server-api.js";
import { startServerTarget } from "./server-target.js";
import type { Target } from "./target.js";

/** The reference server on PGlite in memory: nothing on disk, gone when the run ends. */
export async function createPgliteTarget(): Promise<Target> {
  const db = await openDatabase({ inMemory: true });
  await migrate(db);
  return startServerTarget("pglite", db, async () => {});
}
