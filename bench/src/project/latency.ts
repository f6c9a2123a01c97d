// Latency from a record upsert (HTTP) to the start of its handler in a long-polling runConsumer,
// one record at a time (light load). Back to back (`gapMs` 0), each upsert starts as the previous
// handler starts, so it runs beside the worker's ack and its next long-poll; with a pause, the
// worker is waiting in its long-poll when the record arrives.
import { createClient, runConsumer } from "@sequin/client";
import { percentile } from "../lib/measure.js";

export interface LatencyResult {
  samples: number;
  /** Pause between a handler's start and the next upsert (ms). */
  gapMs: number;
  p50: number;
  p99: number;
  max: number;
  /** The upsert request alone (its transaction commits before it answers). */
  upsert: { p50: number; p99: number };
  /** From the upsert's answer to the handler's start (0 when the handler started first). */
  delivery: { p50: number; p99: number };
}

/** How a run's records were spaced, as the progress lines and the report name it. */
export const spacing = (gapMs: number | undefined) =>
  gapMs ? `${gapMs} ms apart` : "back to back";

export async function upsertToHandlerLatency(
  url: string,
  token: string,
  streamId: string,
  consumer: string,
  samples: number,
  gapMs = 0,
): Promise<LatencyResult> {
  const client = createClient({ baseUrl: url, token });
  const waiting = new Map<string, (at: number) => void>();
  const worker = runConsumer<{ key: string }>({
    client,
    consumer,
    batchSize: 10,
    waitFor: 10_000,
    onError: (err) => console.error("latency worker", err),
    handler: (message) => {
      const at = performance.now();
      if ("record" in message) waiting.get(message.record.data.key)?.(at);
    },
  });
  const latencies: number[] = [];
  const upserts: number[] = [];
  const deliveries: number[] = [];
  const runId = Date.now().toString(36);
  try {
    // Let the worker's first long-poll reach the server.
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < samples; i++) {
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      // Unique per run: an upsert with unchanged data is a no-op and would never be delivered.
      const key = `lat-${runId}-${i}`;
      const seen = new Promise<number>((resolve) => waiting.set(key, resolve));
      const start = performance.now();
      await fetch(`${url}/v1/streams/${streamId}/records`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          records: [{ collection_id: "bench:latency", upstream_id: key, data: { key } }],
        }),
      }).then((r) => r.arrayBuffer());
      const answered = performance.now();
      const at = await Promise.race([
        seen,
        new Promise<number>((_, reject) =>
          setTimeout(() => reject(new Error(`record ${key} not delivered within 10 s`)), 10_000),
        ),
      ]);
      latencies.push(at - start);
      upserts.push(answered - start);
      deliveries.push(Math.max(0, at - answered));
      waiting.delete(key);
    }
  } finally {
    await worker.stop();
  }
  return {
    samples: latencies.length,
    gapMs,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    upsert: { p50: percentile(upserts, 50), p99: percentile(upserts, 99) },
    delivery: { p50: percentile(deliveries, 50), p99: percentile(deliveries, 99) },
  };
}
