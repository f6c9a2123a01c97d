import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { adminUrlFrom, createDatabase } from "@sequin/test-db";

const CLI = fileURLToPath(new URL("../../../server/dist/cli.js", import.meta.url));
const CONSOLE_INDEX = fileURLToPath(new URL("../../dist/index.html", import.meta.url));

/** The built server, started as `sequin-server start` on a database of its own. */
export interface ServerProcess {
  url: string;
  /** A token of a fresh account (from `sequin-server create-account`). */
  token: string;
  databaseUrl: string;
  /** Another fresh account (its own default stream, no consumers): its token. */
  newAccount(): Promise<string>;
  /** Stops the server; drops the database unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

/** Runs `sequin-server create-account` on the database `env` names; returns the new token. */
async function createAccount(env: NodeJS.ProcessEnv): Promise<string> {
  const created = await promisify(execFile)(process.execPath, [CLI, "create-account"], {
    env,
    timeout: 30_000,
  });
  const token = /token: (sqn_\S+)/.exec(created.stdout)?.[1];
  if (!token) throw new Error(`create-account printed no token: ${created.stdout}`);
  return token;
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
  const database = await createDatabase({ adminUrl: adminUrlFrom(), prefix: "sqconsole" });
  const url = database.url;
  let child: ChildProcess | undefined;
  try {
    const env = { PATH: process.env.PATH ?? "", DATABASE_URL: url, LOG_LEVEL: "warn" };
    const token = await createAccount(env);

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
      newAccount: () => createAccount(env),
      async stop(keep = false) {
        if (proc.exitCode === null) {
          proc.kill("SIGTERM");
          await once(proc, "exit");
        }
        if (keep) console.warn(`Kept database ${database.name} of a failed test: ${url}`);
        else await database.drop();
      },
    };
  } catch (err) {
    child?.kill("SIGKILL");
    await database.drop();
    throw err;
  }
}
