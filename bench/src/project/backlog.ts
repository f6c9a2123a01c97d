// Cost of one /next (batch 100) + /ack round over HTTP, at a given backlog, one worker.
import { percentile } from "../lib/measure.js";

export interface CycleCost {
  cycles: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export async function nextAckCost(
  url: string,
  token: string,
  consumer: string,
  cycles: number,
): Promise<CycleCost> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const base = `${url}/v1/http-consumers/${encodeURIComponent(consumer)}`;
  const times: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const start = performance.now();
    const res = await fetch(`${base}/next?batch_size=100`, { headers });
    const body = (await res.json()) as { data: { ack_token: string }[] };
    if (body.data.length === 0) throw new Error("backlog ran out");
    const a = await fetch(`${base}/ack`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ack_tokens: body.data.map((m) => m.ack_token) }),
    });
    await a.arrayBuffer();
    times.push(performance.now() - start);
  }
  return {
    cycles,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
  };
}
