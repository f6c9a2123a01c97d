import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Scenario } from "../../src/scenario.js";

const ACK_WAIT_MS = 3_000;
const RECORDS = 5_000;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ replicas: 3, ackWaitMs: ACK_WAIT_MS });
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") scenario?.failed();
});
afterAll(() => scenario?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("kill -9 of a replica under load: workers fail over; 0 lost; the target equals the stream", async () => {
  const started = Date.now();
  await scenario.seed(RECORDS);
  // 6 workers in 3 processes; instance i of a process starts on replica first + i.
  for (let p = 0; p < 3; p++) {
    await scenario.startWorker(`p${p}`, { workers: 2, firstReplica: p, batchSize: 50 });
  }
  const producer = scenario.produce(RECORDS);
  await scenario.waitForLog((lines) => lines.filter((l) => l.t === "done").length >= 1_000);

  const victim = scenario.replicas[0]!;
  await victim.kill();
  const killedAt = Date.now();
  await sleep(4_000);
  const failedWrites = await producer.stop();

  expect(await scenario.drained(90_000)).toBe(true);
  const figures = await scenario.figures(
    "kill -9 a replica under load",
    (Date.now() - started) / 1000,
  );
  console.log(`[fault] producer writes that failed after retries: ${failedWrites}`);

  // The workers that were on the victim moved on (instance i of process p starts on replica
  // p + i) and handled messages through another replica.
  const log = scenario.log();
  const movedOn = log.filter((l) => l.t === "failover" && l.from === victim.url);
  console.log(
    `[fault] failovers away from the killed replica: ${movedOn.map((l) => `${l.w} after ${l.at - killedAt} ms`).join(", ")}`,
  );
  expect(new Set(movedOn.map((l) => l.w))).toEqual(new Set(["p0.0", "p2.1"]));
  for (const failover of movedOn) {
    const after = log.filter((l) => l.t === "done" && l.w === failover.w && l.at > failover.at);
    expect(after.length, `${failover.w} handled nothing after failing over`).toBeGreaterThan(0);
  }
  for (const replica of scenario.replicas.slice(1)) expect(replica.alive()).toBe(true);

  expect(figures.messages).toBe(RECORDS);
  expect(figures.versionsWritten).toBeGreaterThan(RECORDS);
  expect(figures.lost).toBe(0);
  expect(figures.stale).toBe(0);
  expect(figures.open).toBe(0);
  expect(figures.dead).toBe(0);
});
