import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Scenario } from "../../src/scenario.js";

/** Messages of the run; CI runs 100k (about a minute and a half on 2 cores). */
const MESSAGES = Number(process.env.RELIABILITY_MESSAGES ?? 100_000);
const REPLICAS = 3;
/** Worker processes; each runs one runConsumer per replica (3 × 8 = 24 workers). */
const PROCESSES = 8;
const ACK_WAIT_MS = 10_000;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ replicas: REPLICAS, ackWaitMs: ACK_WAIT_MS });
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") scenario?.failed();
});
afterAll(() => scenario?.close());

it(`${REPLICAS} replicas x ${PROCESSES} worker processes over ${MESSAGES} messages: all acked, never leased twice at once`, async () => {
  // Every worker long-polls before the first message is written: all of them take part.
  await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) =>
      scenario.startWorker(`p${p}`, { workers: REPLICAS, firstReplica: p, batchSize: 100 }),
    ),
  );
  const started = Date.now();
  await scenario.seed(MESSAGES);
  const seeded = Date.now();
  expect(await scenario.drained(300_000)).toBe(true);
  const consumedSeconds = (Date.now() - started) / 1000;
  const figures = await scenario.figures(
    `${REPLICAS} replicas x ${PROCESSES * REPLICAS} workers`,
    (Date.now() - started) / 1000,
  );
  const log = scenario.log();
  const workers = new Set(log.filter((l) => l.t === "start").map((l) => l.w));
  const acked = new Set(log.filter((l) => l.t === "ack").map((l) => `${l.id}/${l.idx}`));
  console.log(
    `[fault] seeded ${MESSAGES} in ${((seeded - started) / 1000).toFixed(1)} s, all acked ${consumedSeconds.toFixed(1)} s after the first write (${Math.round(MESSAGES / consumedSeconds)}/s) by ${workers.size} workers; acks confirmed to workers: ${acked.size}`,
  );
  expect(workers.size).toBe(PROCESSES * REPLICAS);
  expect(figures.messages).toBe(MESSAGES);
  expect(figures.open).toBe(0);
  expect(figures.dead).toBe(0);
  expect(figures.lost).toBe(0);
  expect(figures.stale).toBe(0);
  expect(figures.overlaps).toBe(0);
});
