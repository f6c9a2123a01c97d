// Round trip of a mutation with await_consumer_ids while one runConsumer worker acks.
import { createClient, runConsumer } from "@sequin/client";
import { percentile } from "../lib/measure.js";

export interface MutationAwaitResult {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export async function mutationAwaitLatency(
  url: string,
  token: string,
  consumer: string,
  collection: string,
  samples: number,
): Promise<MutationAwaitResult> {
  const client = createClient({ baseUrl: url, token });
  const worker = runConsumer({
    client,
    consumer,
    batchSize: 10,
    waitFor: 10_000,
    ackDelayMs: 0,
    onError: (err) => console.error("mutation worker", err),
    handler: () => undefined,
  });
  const times: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      const res = await fetch(`${url}/v1/mutations/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          kind: "create",
          collection_id: collection,
          records: [{ data: { n: i } }],
          await_consumer_ids: [consumer],
          await_consumers_timeout: 10_000,
        }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`mutation answered ${res.status}`);
      times.push(performance.now() - start);
    }
  } finally {
    await worker.stop();
  }
  return {
    samples: times.length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: Math.max(...times),
  };
}
