import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, isRecordMessage, type Message, runConsumer } from "@sequin/client";
import { describe, expect, it } from "vitest";
import type { WorkerLine } from "./fixtures/run-consumer-worker.js";
import { createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { server, account } = await serverTest();
const children: ChildProcess[] = [];

const root = fileURLToPath(new URL("..", import.meta.url));
const WORKER = fileURLToPath(new URL("./fixtures/run-consumer-worker.ts", import.meta.url));

const upstreamId = (message: Message) =>
  isRecordMessage(message) ? message.record.upstream_id : "";

/** Starts the worker process; resolves with the batch it leased, once its handler hangs. */
function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const lines: WorkerLine[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const leased = new Promise<Extract<WorkerLine, { type: "leased" }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker never leased: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on("line", (text) => {
      const line = JSON.parse(text) as WorkerLine;
      lines.push(line);
      if (line.type === "leased") {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before leasing: ${stderr}`));
    });
  });
  return { child, lines, leased, exited };
}

describe("runConsumer: a worker killed mid-batch", () => {
  it("has its batch redelivered after ack_wait and processed once more; nothing is lost", async () => {
    const N = 30;
    const streamId = await createStream(account.api);
    const consumer = await createConsumer(account.api, { stream_id: streamId, ack_wait_ms: 500 });
    const ids = Array.from({ length: N }, (_, i) => `kill-${i}`);
    await upsert(
      account.api,
      streamId,
      ids.map((id) => record(id)),
    );

    const worker = startWorker({
      SEQUIN_URL: server.url,
      SEQUIN_TOKEN: account.token,
      SEQUIN_CONSUMER: consumer.name,
      SEQUIN_BATCH_SIZE: "10",
    });
    const batch = await worker.leased;
    expect(batch.messages).toHaveLength(10);
    expect(batch.messages.every((m) => m.deliver_count === 1)).toBe(true);
    const killedIds = new Set(batch.messages.map((m) => m.upstream_id));

    worker.child.kill("SIGKILL");
    expect(await worker.exited).toEqual({ code: null, signal: "SIGKILL" });
    // It never settled anything: its batch is still leased, to nobody alive.
    expect(worker.lines.filter((l) => l.type !== "leased")).toEqual([]);

    // A new worker in this process picks everything up: the killed batch once its lease lapses.
    const client = createClient({ baseUrl: server.url, token: account.token });
    const processed: Array<{ id: string; deliverCount: number }> = [];
    const acked = new Set<string>();
    const failures: unknown[] = [];
    let allAcked: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      allAcked = resolve;
    });
    const handle = runConsumer({
      client,
      consumer: consumer.id,
      concurrency: 4,
      waitFor: 1_000,
      handler: (message) => {
        processed.push({ id: upstreamId(message), deliverCount: message.deliver_count ?? 0 });
      },
      hooks: {
        onAcked: (message) => {
          acked.add(upstreamId(message));
          if (acked.size === N) allAcked();
        },
        onFailed: (_message, error) => failures.push(error),
        onLeaseLost: (message) => failures.push(new Error(`lease lost: ${upstreamId(message)}`)),
        onError: (error) => failures.push(error),
      },
    });
    await Promise.race([
      finished,
      new Promise((_, reject) => setTimeout(() => reject(new Error("not all acked")), 15_000)),
    ]).finally(() => handle.stop());
    await handle.done;

    expect(failures).toEqual([]);
    expect([...acked].sort()).toEqual([...ids].sort());
    // Each message was handled once here: the killed batch on its second delivery.
    expect(processed.map((p) => p.id).sort()).toEqual([...ids].sort());
    for (const { id, deliverCount } of processed) {
      expect({ id, deliverCount }).toEqual({ id, deliverCount: killedIds.has(id) ? 2 : 1 });
    }

    const after = await next(account.api, consumer.id, 10, 0);
    expect(after.data).toEqual([]);
    expect(after.info).toEqual({ num_pending: 0, num_ack_pending: 0 });
  });
});
