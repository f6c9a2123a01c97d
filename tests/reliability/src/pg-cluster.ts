// A throwaway PostgreSQL cluster (initdb into a temp dir, its own port), for tests that stop and
// restart Postgres: the machine's 5432 is shared with other work and must never be restarted.
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";

const run = promisify(execFile);

/** The newest installed server binaries (Debian layout), or PG_BIN. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error("No PostgreSQL server binaries found; set PG_BIN");
  return join(root, versions[0], "bin");
}

/** Postgres refuses to run as root: as root, commands run as the `postgres` OS user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

async function pgCommand(name: string, args: string[]): Promise<string> {
  const [command, full] = asPostgres(join(binDir(), name), args);
  const { stdout } = await run(command, full, { timeout: 60_000 });
  return stdout;
}

/** A running throwaway cluster. */
export interface PgCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  adminUrl: string;
  /** Stops it: `immediate` is a crash (recovery at the next start), `fast` a clean shutdown. */
  stop(mode?: "immediate" | "fast"): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
}

/** initdb + start, on a free port, listening on 127.0.0.1 only. */
export async function createPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sequin-pg-"));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  const port = await freePort();
  await pgCommand("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c max_connections=200",
    // A stop -m immediate is a crash of Postgres, not of the OS: the page cache keeps every
    // write, so fsync=off loses nothing here and keeps the suite fast on slow CI disks.
    "-c fsync=off",
  ].join(" ");
  const start = async () => {
    await pgCommand("pg_ctl", [
      "-D",
      data,
      "-l",
      logFile,
      "-o",
      options,
      "-w",
      "-t",
      "60",
      "start",
    ]);
  };
  const stop = async (mode: "immediate" | "fast" = "fast") => {
    await pgCommand("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
  };
  await start();
  let running = true;
  return {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop(mode) {
      await stop(mode);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop("immediate").catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
  };
}
