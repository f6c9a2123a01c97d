// The bench's own throwaway PostgreSQL cluster: the installed Postgres, initdb into a fresh temp
// dir, stock postgresql.conf (autovacuum on, as in production), started on a free port on
// 127.0.0.1, stopped and deleted by the bench's teardown. The figures then do not depend on how
// a shared server was tuned (the CI server here runs with autovacuum off).
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { onTeardown } from "./teardown.js";

export interface Cluster {
  /** Connection URL of the cluster's `postgres` database, user postgres, trust auth. */
  url: string;
  /** Where the cluster lives (data dir, socket, log); deleted at teardown. */
  dir: string;
}

/** The newest installed major under /usr/lib/postgresql, unless BENCH_PG_BIN names a bin dir. */
function postgresBin(): string {
  if (process.env.BENCH_PG_BIN) return process.env.BENCH_PG_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      "no PostgreSQL found under /usr/lib/postgresql: set BENCH_PG_BIN to its bin dir, or BENCH_DATABASE_URL to use a running server",
    );
  }
  return join(root, majors[0]!, "bin");
}

/**
 * Postgres refuses to run as root, so as root the cluster belongs to the `postgres` OS user and
 * its tools run through runuser; as anyone else they run as that user.
 */
function asOwner(): {
  command: (tool: string, args: string[]) => [string, string[]];
  uid?: number;
  gid?: number;
} {
  if (process.getuid?.() !== 0) return { command: (tool, args) => [tool, args] };
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return {
    command: (tool, args) => ["runuser", ["-u", "postgres", "--", tool, ...args]],
    uid,
    gid,
  };
}

/**
 * `settings`: extra `-c name=value` server settings (the design aids load pg_stat_statements);
 * the bench itself runs with none.
 */
export async function startCluster(settings: string[] = []): Promise<Cluster> {
  const bin = postgresBin();
  const owner = asOwner();
  const dir = mkdtempSync(join(tmpdir(), "sequin-bench-pg-"));
  const data = join(dir, "data");
  const run = (tool: string, args: string[]) => {
    const [command, argv] = owner.command(join(bin, tool), args);
    const r = spawnSync(command, argv, { encoding: "utf8" });
    if (r.status !== 0) {
      throw new Error(`${tool} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
    }
  };
  let started = false;
  // Registered before anything can fail, so that a half-made cluster is removed too.
  onTeardown(() => {
    if (started) {
      const stop = (mode: string) => {
        const [command, argv] = owner.command(join(bin, "pg_ctl"), [
          "stop",
          "-D",
          data,
          "-m",
          mode,
          "-w",
          "-t",
          "60",
        ]);
        return spawnSync(command, argv, { encoding: "utf8" }).status === 0;
      };
      // A fast stop ends the connections still open; should it not finish, an immediate one
      // does, so that the directory is never deleted under a running server.
      if (!stop("fast") && existsSync(join(data, "postmaster.pid"))) stop("immediate");
    }
    rmSync(dir, { recursive: true, force: true });
  });
  if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
  // --no-sync only skips initdb's own fsync of the new files; the server's settings stay stock.
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  // Port, address and socket dir on the command line: postgresql.conf stays as initdb wrote it.
  const options = [
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
    ...settings.map((s) => `-c ${s}`),
  ].join(" ");
  started = true;
  run("pg_ctl", [
    "start",
    "-D",
    data,
    "-l",
    join(dir, "postgres.log"),
    "-w",
    "-t",
    "60",
    "-o",
    options,
  ]);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
}
