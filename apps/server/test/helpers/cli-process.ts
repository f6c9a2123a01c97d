import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

/** The server package's folder (apps/server) and the repository root. */
export const SERVER_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
/** tsx's loader: the server runs from source in one process (tsx's bin would start a second). */
const TSX_LOADER = pathToFileURL(`${SERVER_DIR}node_modules/tsx/dist/loader.mjs`).href;

/** `sequin-server start` from source, in its own process, as `pnpm start` runs it. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL: no shutdown at all. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `node --import tsx src/cli.ts start <args>` in apps/server and waits for its banner. */
export async function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", TSX_LOADER, "src/cli.ts", "start", "--port", "0", ...args],
    {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      // The banner's last line: the dev token's curl example, or how to get a token.
      if (found && /(Try:|Get a token with:).*\n/.test(output)) {
        child.stdout?.off("data", check);
        resolve(found);
      }
    };
    child.stdout?.on("data", check);
    void exited.then(() => reject(new Error(`the server exited before listening:\n${output}`)));
  });
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs a shell command line as a user types it; never rejects. */
export async function shell(
  line: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("sh", ["-c", line], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}
