import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createPgCluster, type PgCluster } from "../../src/pg-cluster.js";
import { Scenario } from "../../src/scenario.js";

const ACK_WAIT_MS = 3_000;
const RECORDS = 3_000;
/** How long Postgres stays down. */
const DOWN_MS = 4_000;
let cluster: PgCluster;
let scenario: Scenario;

beforeAll(async () => {
  // Our own cluster: the machine's 5432 is shared and must never be restarted.
  cluster = await createPgCluster();
  scenario = await Scenario.create({
    adminUrl: cluster.adminUrl,
    replicas: 2,
    ackWaitMs: ACK_WAIT_MS,
  });
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") {
    scenario?.failed();
    console.warn(`[fault] Postgres log:\n${cluster?.log().slice(-5_000)}`);
  }
});
afterAll(async () => {
  await scenario?.close();
  await cluster?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Status of one request, or the transport failure; never waits more than 5 s. */
async function probe(url: string, token?: string): Promise<number | string> {
  try {
    const res = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { code?: string };
    return res.status === 503 ? `503 ${body.code}` : res.status;
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  }
}

it("Postgres restart under load: 503 while it is down, recovery by itself, 0 lost", async () => {
  const started = Date.now();
  await scenario.seed(RECORDS);
  await scenario.startWorker("p0", { workers: 2, firstReplica: 0, batchSize: 50 });
  await scenario.startWorker("p1", { workers: 2, firstReplica: 1, batchSize: 50 });
  const producer = scenario.produce(RECORDS);
  await scenario.waitForLog((lines) => lines.filter((l) => l.t === "done").length >= 500);

  // A crash of Postgres (no checkpoint, recovery at start).
  await cluster.stop("immediate");
  const stoppedAt = Date.now();
  const answers: Array<number | string> = [];
  while (Date.now() - stoppedAt < DOWN_MS) {
    for (const replica of scenario.replicas) {
      answers.push(await probe(`${replica.url}/health`));
      answers.push(await probe(`${replica.url}/v1/streams`, scenario.token));
    }
    await sleep(250);
  }
  for (const replica of scenario.replicas) expect(replica.alive(), replica.output()).toBe(true);
  expect(answers.length).toBeGreaterThan(8);
  expect(new Set(answers), "every answer while Postgres is down is a clean 503").toEqual(
    new Set(["503 unavailable"]),
  );

  await cluster.start();
  const restartedAt = Date.now();
  // Healthy again without help.
  for (const replica of scenario.replicas) {
    while ((await probe(`${replica.url}/health`)) !== 200) {
      expect(Date.now() - restartedAt, "replica healthy within 10 s").toBeLessThan(10_000);
      await sleep(100);
    }
  }
  const healthyAfterMs = Date.now() - restartedAt;
  // Handlers write again.
  await scenario.waitForLog(
    (lines) => lines.some((l) => l.t === "done" && l.at > restartedAt),
    15_000,
  );
  const processingAfterMs = Date.now() - restartedAt;
  const wakeAfterMs = await crossReplicaWakeRecovers(restartedAt);

  await sleep(2_000);
  const failedWrites = await producer.stop();
  expect(await scenario.drained(90_000)).toBe(true);
  const figures = await scenario.figures(
    "restart Postgres under load",
    (Date.now() - started) / 1000,
  );
  console.log(
    `[fault] Postgres down ${DOWN_MS} ms: ${answers.length} probes, all 503; healthy ${healthyAfterMs} ms, handlers writing ${processingAfterMs} ms, cross-replica wake-ups ${wakeAfterMs} ms after the restart; producer writes failed after retries: ${failedWrites}`,
  );
  for (const replica of scenario.replicas) expect(replica.alive(), replica.output()).toBe(true);
  for (const worker of scenario.workers) expect(worker.alive(), worker.output()).toBe(true);
  expect(figures.messages).toBe(RECORDS);
  expect(figures.lost).toBe(0);
  expect(figures.stale).toBe(0);
  expect(figures.open).toBe(0);
  expect(figures.dead).toBe(0);
});

/**
 * LISTEN came back: a long-poll on replica 1 is woken by a write through replica 0 at once
 * (without NOTIFY it would sleep its full wait_for). Returns ms since the restart.
 */
async function crossReplicaWakeRecovers(restartedAt: number): Promise<number> {
  const [a, b] = [scenario.replicas[0]!, scenario.replicas[1]!];
  const client = scenario.client();
  const stream = await client.streams.create({ name: `wake-${Date.now()}` });
  const consumer = await client.consumers.create({
    name: `wake-${Date.now()}`,
    stream_id: stream.id,
  });
  for (let attempt = 0; ; attempt++) {
    expect(Date.now() - restartedAt, "cross-replica wake-ups within 20 s").toBeLessThan(20_000);
    const polled = Date.now();
    const poll = fetch(`${b.url}/v1/http-consumers/${consumer.id}/next?wait_for=5000`, {
      headers: { authorization: `Bearer ${scenario.token}` },
    }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as { data: unknown[] },
    }));
    await sleep(300);
    await fetch(`${a.url}/v1/streams/${stream.id}/records`, {
      method: "POST",
      headers: { authorization: `Bearer ${scenario.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        records: [{ collection_id: "x:y", upstream_id: `w${attempt}`, data: { attempt } }],
      }),
    });
    const answer = await poll;
    if (answer.status === 200 && answer.body.data.length > 0 && Date.now() - polled < 2_000) {
      return Date.now() - restartedAt;
    }
    // Settle what was leased so that the next attempt starts from nothing.
    await sleep(200);
  }
}
