import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { defaultDataDir } from "../config.js";
import type { Db } from "./db.js";
import { openPgDb } from "./pg.js";

/** Where the data lives. */
export interface DatabaseConfig {
  /** Postgres connection string. When set, the server uses that Postgres; otherwise embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database. Default `.sequin-data` in the server's folder. */
  dataDir?: string | undefined;
  /** Embedded database in memory: nothing is written to disk. Default false. */
  inMemory?: boolean | undefined;
  /** Most pooled connections to Postgres. Default 20. */
  poolMax?: number | undefined;
  /** Logs connection problems. */
  logger?: Logger | undefined;
}

/** The folder PGlite keeps its files in, inside the data directory. */
export function pgliteDir(dataDir: string): string {
  return join(resolve(dataDir), "pgdata");
}

/** Opens Postgres through a pool when `databaseUrl` is set, else PGlite (on disk or in memory). */
export async function openDatabase(config: DatabaseConfig = {}): Promise<Db> {
  if (config.databaseUrl) {
    return openPgDb({
      connectionString: config.databaseUrl,
      ...(config.poolMax ? { poolMax: config.poolMax } : {}),
      ...(config.logger ? { logger: config.logger } : {}),
    });
  }
  // Loaded only when used: a server on Postgres does not carry PGlite (~10 MB of RSS).
  const { openPgliteDb } = await import("./pglite.js");
  if (config.inMemory) return openPgliteDb();
  const dir = pgliteDir(config.dataDir ?? defaultDataDir());
  await mkdir(dir, { recursive: true });
  return openPgliteDb({ dataDir: dir });
}

/** True when the data directory holds an embedded database already. */
export function hasEmbeddedDatabase(dataDir: string): boolean {
  return existsSync(join(pgliteDir(dataDir), "PG_VERSION"));
}
