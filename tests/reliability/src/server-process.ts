// A server replica in its own process, started as users start it: `sequin-server start`.
import { type ChildProcess, spawn } from "node:child_process";
import { SERVER_CLI } from "./paths.js";
import { freePort } from "./ports.js";

/** A running replica. */
export interface Replica {
  url: string;
  pid: number;
  /** True until the process has exited. */
  alive(): boolean;
  /** How it ended: exit code or signal; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The last 20 kB of its stderr and stdout (pino logs), for failure messages. */
  output(): string;
  /** kill -9: no shutdown, open requests are cut. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts `node apps/server/dist/cli.js start` on a free port and waits for GET /health. */
export async function startReplica(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_CLI, "start"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      LOG_LEVEL: process.env.SERVER_LOG_LEVEL ?? "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      ended = { code, signal };
      children.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (ended) throw new Error(`replica exited with ${JSON.stringify(ended)}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`replica not healthy within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    alive: () => ended === undefined,
    exit: () => ended,
    output: () => output,
    async kill() {
      if (ended) return;
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (ended) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
