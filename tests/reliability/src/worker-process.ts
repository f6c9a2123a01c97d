// Starts worker processes (src/worker/main.ts) and kills them.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { PACKAGE_ROOT, WORKER_MAIN } from "./paths.js";

/** What a worker process is told (see src/worker/main.ts). */
export interface WorkerEnv {
  /** Replica URLs; the worker fails over along this list. */
  urls: string[];
  token: string;
  consumer: string;
  ackWaitMs: number;
  targetDatabaseUrl: string;
  targetTable: string;
  logFile: string;
  id: string;
  /** runConsumer instances in the process. Default 1. */
  workers?: number;
  /** Replica the first instance starts on; instance i starts on first + i. Default 0. */
  firstReplica?: number;
  batchSize?: number;
  concurrency?: number;
  /** Sleep in the batch handler before the upsert. Default 0. */
  handlerDelayMs?: number;
  /** Lease extension on. Default true. */
  extendLeases?: boolean;
}

export interface WorkerProcess {
  id: string;
  pid: number;
  alive(): boolean;
  /** kill -9. */
  kill(): Promise<void>;
  /** SIGTERM: runConsumer drains, then the process exits. */
  stop(): Promise<void>;
  output(): string;
}

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Spawns one worker process and waits until its consumers run. */
export async function startWorkerProcess(options: WorkerEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_MAIN], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      SEQUIN_URLS: options.urls.join(","),
      SEQUIN_TOKEN: options.token,
      SEQUIN_CONSUMER: options.consumer,
      ACK_WAIT_MS: String(options.ackWaitMs),
      TARGET_DATABASE_URL: options.targetDatabaseUrl,
      TARGET_TABLE: options.targetTable,
      LOG_FILE: options.logFile,
      WORKER_ID: options.id,
      WORKERS: String(options.workers ?? 1),
      FIRST_REPLICA: String(options.firstReplica ?? 0),
      BATCH_SIZE: String(options.batchSize ?? 10),
      CONCURRENCY: String(options.concurrency ?? 1),
      HANDLER_DELAY_MS: String(options.handlerDelayMs ?? 0),
      EXTEND_LEASES: options.extendLeases === false ? "0" : "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running = false;
      children.delete(child);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker ${options.id} not ready:\n${output}`)),
      30_000,
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line === "ready") {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`worker ${options.id} exited:\n${output}`)));
  });
  return {
    id: options.id,
    pid: child.pid!,
    alive: () => running,
    output: () => output,
    async kill() {
      if (!running) return;
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
