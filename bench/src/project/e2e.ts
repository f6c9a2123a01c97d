// This project end to end: the server over HTTP, driven by runConsumer (SDK) or by plain fetch
// (raw /next + /ack, to separate the SDK's cost from the server's).
import { createClient, runConsumer } from "@sequin/client";
import { runWorkers, type Throughput } from "../lib/measure.js";

export interface E2eRun {
  url: string;
  token: string;
  consumer: string;
  batchSize: number;
  workers: number;
  durationMs: number;
  /** Messages pending when the run starts (the run also ends when they are all acked). */
  total: number;
}

/** `workers` runConsumer instances, each leasing `batchSize` and acking after a no-op batch handler. */
export async function sdkThroughput(run: E2eRun): Promise<Throughput> {
  const client = createClient({ baseUrl: run.url, token: run.token });
  let acked = 0;
  const start = performance.now();
  const controller = new AbortController();
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const timer = setTimeout(finish, run.durationMs);
  const workers = Array.from({ length: run.workers }, () =>
    runConsumer({
      client,
      consumer: run.consumer,
      batchSize: run.batchSize,
      concurrency: 1,
      waitFor: 0,
      signal: controller.signal,
      extendLeases: false,
      ackWaitMs: 60_000,
      onError: (err) => console.error("runConsumer error", err),
      hooks: {
        onAcked() {
          acked++;
          if (acked >= run.total) finish();
        },
      },
      batchHandler: async () => undefined,
    }),
  );
  await finished;
  clearTimeout(timer);
  const seconds = (performance.now() - start) / 1000;
  const counted = acked;
  controller.abort();
  await Promise.all(workers.map((w) => w.done));
  return { messages: counted, seconds, perSecond: counted / seconds };
}

/** Plain fetch: GET /next then POST /ack, `workers` loops. */
export async function rawHttpThroughput(run: E2eRun): Promise<Throughput> {
  const headers = { authorization: `Bearer ${run.token}`, "content-type": "application/json" };
  const base = `${run.url}/v1/http-consumers/${encodeURIComponent(run.consumer)}`;
  return runWorkers(run.workers, run.durationMs, async () => {
    const res = await fetch(`${base}/next?batch_size=${run.batchSize}`, { headers });
    if (!res.ok) throw new Error(`next: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { data: { ack_token: string }[] };
    if (body.data.length === 0) return 0;
    const ackRes = await fetch(`${base}/ack`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ack_tokens: body.data.map((m) => m.ack_token) }),
    });
    if (!ackRes.ok) throw new Error(`ack: ${ackRes.status} ${await ackRes.text()}`);
    await ackRes.arrayBuffer();
    return body.data.length;
  });
}
