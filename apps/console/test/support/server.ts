import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

/** Where a test's Postgres databases are created (the server tests use the same default). */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CLI = fileURLToPath(new URL("../../../server/dist/cli.js", import.meta.url));
const CONSOLE_INDEX = fileURLToPath(new URL("../../dist/index.html", import.meta.url));

/** The built server, started as `sequin-server start` on a database of its own. */
export interface ServerProcess {
  url: string;
  /** A token of a fresh account (from `sequin-server create-account`). */
  token: string;
  databaseUrl: string;
  /** Stops the server; drops the database unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Fails early, saying what to build, when the server or the console has not been built. */
export function checkBuilt(): void {
  const missing = [
    existsSync(CLI) ? undefined : "the server (pnpm --filter @sequin/server build)",
    existsSync(CONSOLE_INDEX) ? undefined : "the console (pnpm --filter @sequin/console build)",
  ].filter(Boolean);
  if (missing.length > 0)
    throw new Error(`Build first: ${missing.join(" and ")}, or run pnpm build`);
}

/** Starts the built server the way a user does: create-account, then start, on real Postgres. */
export async function startServer(): Promise<ServerProcess> {
  checkBuilt();
  const name = `sqconsole_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(name);
  const drop = () =>
    admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {});
  let child: ChildProcess | undefined;
  try {
    const env = { PATH: process.env.PATH ?? "", DATABASE_URL: url, LOG_LEVEL: "warn" };
    const created = await promisify(execFile)(process.execPath, [CLI, "create-account"], {
      env,
      timeout: 30_000,
    });
    const token = /token: (sqn_\S+)/.exec(created.stdout)?.[1];
    if (!token) throw new Error(`create-account printed no token: ${created.stdout}`);

    const proc = spawn(process.execPath, [CLI, "start", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let output = "";
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}: ${output}`));
      });
    });
    return {
      url: base,
      token,
      databaseUrl: url,
      async stop(keep = false) {
        if (proc.exitCode === null) {
          proc.kill("SIGTERM");
          await once(proc, "exit");
        }
        if (keep) console.warn(`Kept database ${name} of a failed test: ${url}`);
        else await drop();
      },
    };
  } catch (err) {
    child?.kill("SIGKILL");
    await drop();
    throw err;
  }
}
