import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Scenario } from "../../src/scenario.js";

const ACK_WAIT_MS = 2_000;
let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ replicas: 1, ackWaitMs: ACK_WAIT_MS });
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") scenario?.failed();
});
afterAll(() => scenario?.close());

it("kill -9 of a worker mid-batch: its leased messages are redelivered after ack_wait_ms; 0 lost", async () => {
  const started = Date.now();
  await scenario.seed(2_000);
  const workerOptions = { batchSize: 20, handlerDelayMs: 200 };
  const victim = await scenario.startWorker("victim", workerOptions);
  await scenario.startWorker("w1", workerOptions);
  await scenario.startWorker("w2", workerOptions);

  // Mid-batch: the victim's handler has started a batch and not written it yet.
  const inFlight = (lines: ReturnType<Scenario["log"]>) => {
    const done = new Set(lines.filter((l) => l.t === "done").map((l) => `${l.id}/${l.idx}`));
    return lines.filter(
      (l) => l.t === "start" && l.w.startsWith("victim.") && !done.has(`${l.id}/${l.idx}`),
    );
  };
  await scenario.waitForLog((lines) => {
    const victimStarts = lines.filter((l) => l.t === "start" && l.w.startsWith("victim."));
    return victimStarts.length >= 40 && inFlight(lines).length > 0;
  });
  await victim.kill();
  const killedAt = Date.now();
  const held = inFlight(scenario.log());
  expect(held.length).toBeGreaterThan(0);

  expect(await scenario.drained(60_000)).toBe(true);
  const figures = await scenario.figures(
    "kill -9 a worker mid-batch",
    (Date.now() - started) / 1000,
  );

  // Each message the victim held was delivered again, to a live worker, once its lease ran out.
  const log = scenario.log();
  for (const message of held) {
    if (message.t !== "start") continue;
    const again = log.filter(
      (l) => l.t === "start" && l.id === message.id && !l.w.startsWith("victim."),
    );
    expect(again.length, `message ${message.id} was not redelivered`).toBeGreaterThan(0);
    for (const redelivery of again) {
      if (redelivery.t !== "start") continue;
      // Not before the victim's lease ended (server clock), and only after the kill.
      expect(redelivery.exp - ACK_WAIT_MS).toBeGreaterThanOrEqual(message.exp);
      expect(redelivery.at).toBeGreaterThanOrEqual(killedAt);
    }
  }
  console.log(`[fault] the victim held ${held.length} messages mid-batch when killed`);
  expect(figures.messages).toBe(2_000);
  expect(figures.lost).toBe(0);
  expect(figures.stale).toBe(0);
  expect(figures.overlaps).toBe(0);
  expect(figures.open).toBe(0);
  expect(figures.dead).toBe(0);
  expect(figures.duplicates).toBeGreaterThanOrEqual(held.length);
});
