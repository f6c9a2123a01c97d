// Facts about the machine a benchmark ran on, printed with every result.
import os from "node:os";
import pg from "pg";

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
}

/** The settings a reader needs to judge the figures: autovacuum first (production runs it). */
export const SETTINGS = [
  "autovacuum",
  "autovacuum_naptime",
  "autovacuum_vacuum_scale_factor",
  "autovacuum_vacuum_insert_scale_factor",
  "autovacuum_vacuum_cost_limit",
  "shared_buffers",
  "synchronous_commit",
  "fsync",
  "wal_level",
  "max_connections",
  "work_mem",
  "checkpoint_timeout",
  "max_wal_size",
  "jit",
];

export async function machineFacts(databaseUrl: string): Promise<MachineFacts> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)",
      [SETTINGS],
    );
    return {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: version.rows[0]?.server_version ?? "unknown",
      // In the order of SETTINGS, so that autovacuum comes first in the report.
      postgresSettings: Object.fromEntries(
        SETTINGS.flatMap((name) => {
          const r = settings.rows.find((row) => row.name === name);
          if (!r) return [];
          // shared_buffers comes in 8 kB pages: in MB it reads at a glance.
          if (r.unit === "8kB") return [[name, `${(Number(r.setting) * 8) / 1024} MB`]];
          return [[name, r.unit ? `${r.setting} ${r.unit}` : r.setting]];
        }),
      ),
    };
  } finally {
    await client.end();
  }
}
