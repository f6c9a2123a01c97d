import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { LogLine } from "../../src/delivery-log.js";
import { Scenario } from "../../src/scenario.js";
import type { WorkerProcess } from "../../src/worker-process.js";

const ACK_WAIT_MS = 1_000;
/** The slow handler runs 3.5 leases long. */
const HANDLER_MS = 3_500;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ replicas: 1, ackWaitMs: ACK_WAIT_MS });
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") scenario?.failed();
});
afterAll(() => scenario?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes one record and returns its id, once `worker` has started handling it. */
async function handOut(upstreamId: string, worker: string): Promise<string> {
  const [written] = await scenario
    .client()
    .records.upsert(scenario.streamId, [
      { collection_id: "salesforce:contact", upstream_id: upstreamId, data: { slow: true } },
    ]);
  scenario.versionsWritten++;
  await scenario.waitForLog((lines) =>
    lines.some((l) => l.t === "start" && l.id === written!.id && l.w.startsWith(worker)),
  );
  return written!.id;
}

const of = (log: LogLine[], id: string, t: LogLine["t"]) =>
  log.filter((l) => l.id === id && l.t === t);

it("a handler slower than ack_wait_ms with lease extension: never redelivered while alive; redelivered once killed", async () => {
  const started = Date.now();
  const slow = await scenario.startWorker("slow", { batchSize: 1, handlerDelayMs: HANDLER_MS });
  const first = await handOut("u-alive", "slow.");
  // A fast worker polls all along: it would get the message if its lease ever ran out.
  const fast = await scenario.startWorker("fast", { batchSize: 1 });
  await scenario.waitForLog((lines) => of(lines, first, "ack").length > 0, 15_000);
  let log = scenario.log();
  expect(of(log, first, "start").map((l) => l.w)).toEqual(["slow.0"]);
  expect(of(log, first, "ext").length, "extended at least every half lease").toBeGreaterThanOrEqual(
    4,
  );
  expect(of(log, first, "lost")).toEqual([]);

  // Now kill the slow worker while it holds a message: the fast one gets it once the lease ends.
  await fast.stop();
  const second = await handOut("u-killed", "slow.");
  const fastAgain: WorkerProcess = await scenario.startWorker("fast2", { batchSize: 1 });
  await sleep(ACK_WAIT_MS * 1.5);
  await slow.kill();
  await scenario.waitForLog((lines) => of(lines, second, "ack").length > 0, 15_000);
  log = scenario.log();
  const deliveries = of(log, second, "start");
  expect(deliveries.map((l) => l.w)).toEqual(["slow.0", "fast2.0"]);
  expect(of(log, second, "ext").length).toBeGreaterThanOrEqual(2);

  expect(await scenario.drained(10_000)).toBe(true);
  const figures = await scenario.figures(
    "slow handler with lease extension",
    (Date.now() - started) / 1000,
  );
  await fastAgain.stop();
  expect(figures.messages).toBe(2);
  expect(figures.duplicates).toBe(1);
  expect(figures.lost).toBe(0);
  expect(figures.stale).toBe(0);
  // The redelivery began after the killed worker's last extended lease ended.
  expect(figures.overlaps).toBe(0);
});

it("control: the same handler without lease extension is redelivered while it runs", async () => {
  const slow = await scenario.startWorker("noext", {
    batchSize: 1,
    handlerDelayMs: HANDLER_MS,
    extendLeases: false,
  });
  const id = await handOut("u-noext", "noext.");
  const fast = await scenario.startWorker("fast3", { batchSize: 1 });
  await scenario.waitForLog((lines) => of(lines, id, "start").length >= 2, 15_000);
  const [firstDelivery, redelivery] = of(scenario.log(), id, "start");
  expect(redelivery!.w).toBe("fast3.0");
  // While the slow handler still ran.
  expect(redelivery!.at).toBeLessThan(firstDelivery!.at + HANDLER_MS);
  console.log(
    `[fault] control without extension: redelivered ${redelivery!.at - firstDelivery!.at} ms after the first delivery, while its handler still ran`,
  );
  await Promise.all([slow.stop(), fast.stop()]);
});
