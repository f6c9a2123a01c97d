import { createClient, isEventMessage, type Message, runConsumer } from "@sequin/client";
import { describe, expect, it } from "vitest";
import { createConsumer, createStream, sleep } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { db, server, account } = await serverTest();

const KEYS = 1_000;
const PER_KEY = 20;
type Change = { n: number };

/** Appends `PER_KEY` rounds of one event per key, so every key's events are spread over the stream. */
async function appendRounds(streamId: string, rounds = PER_KEY): Promise<void> {
  for (let n = 0; n < rounds; n++) {
    const events = Array.from({ length: KEYS }, (_, k) => ({
      collection_id: "salesforce:contact",
      upstream_id: `key-${k}`,
      action: "changed",
      data: { n },
    }));
    const res = await account.api.post(`/v1/streams/${streamId}/events`, { events });
    expect(res.status).toBe(201);
  }
}

/**
 * The handler-side log: what each key's handlers saw. A violation is a handler that starts while
 * another of its key runs, or out of stream order.
 */
class KeyLog {
  readonly running = new Set<string>();
  readonly last = new Map<string, number>();
  readonly violations: string[] = [];
  handled = 0;

  start(key: string, n: number): void {
    if (this.running.has(key)) this.violations.push(`${key}:${n} started while ${key} ran`);
    const previous = this.last.get(key) ?? -1;
    if (n !== previous + 1) this.violations.push(`${key}:${n} handled after ${key}:${previous}`);
    this.running.add(key);
  }

  end(key: string, n: number): void {
    this.running.delete(key);
    this.last.set(key, n);
    this.handled++;
  }
}

/**
 * Runs `workers` runConsumer loops (each with `concurrency` handler slots, handlers sleeping
 * `delayMs()`) until `target` messages are handled; returns messages per second.
 */
async function run(
  consumer: string,
  options: { workers: number; concurrency: number; target: number; delayMs: () => number },
  log: KeyLog,
) {
  const client = createClient({ baseUrl: server.url, token: account.token });
  const problems: unknown[] = [];
  const started = performance.now();
  const handles = Array.from({ length: options.workers }, () =>
    runConsumer<Change>({
      client,
      consumer,
      concurrency: options.concurrency,
      waitFor: 500,
      handler: async (message: Message<Change>) => {
        if (!isEventMessage(message)) throw new Error("expected an event");
        const key = message.event.upstream_id ?? "";
        const n = Number(message.event.data.n);
        log.start(key, n);
        await sleep(options.delayMs());
        log.end(key, n);
      },
      hooks: { onError: (error) => problems.push(error) },
    }),
  );
  const deadline = Date.now() + 240_000;
  while (log.handled < options.target && Date.now() < deadline) await sleep(10);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(handles.map((h) => h.stop()));
  expect(problems).toEqual([]);
  return log.handled / seconds;
}

describe("ordering per_key under load (real Postgres, runConsumer)", () => {
  it("8 workers, 1,000 keys x 20 events, random handler delays: each key strictly in order, never two at once", async () => {
    const streamId = await createStream(account.api);
    const consumer = await createConsumer(account.api, { stream_id: streamId, kind: "event" });
    await appendRounds(streamId);
    const log = new KeyLog();
    const rate = await run(
      consumer.name,
      { workers: 8, concurrency: 4, target: KEYS * PER_KEY, delayMs: () => Math.random() * 4 },
      log,
    );
    console.log(`per_key: 8 workers x 4 slots: ${log.handled} events at ${Math.round(rate)} msg/s`);
    expect(log.violations.slice(0, 5)).toEqual([]);
    expect(log.handled).toBe(KEYS * PER_KEY);
    expect(log.last.size).toBe(KEYS);
    expect([...log.last.values()].every((n) => n === PER_KEY - 1)).toBe(true);
    const { rows } = await db.query<{ n: number }>(
      // No delivery left.
      "SELECT count(*)::int AS n FROM deliveries WHERE consumer_id = $1",
      [consumer.id],
    );
    expect(rows[0]?.n).toBe(0);
  }, 300_000);

  it("throughput scales with workers: 8 workers handle a keyed stream faster than 1", async () => {
    // Handlers that wait ~40 ms: the workers, not the server, set the pace of one worker.
    const options = { concurrency: 2, target: 300, delayMs: () => 35 + Math.random() * 10 };
    const streamId = await createStream(account.api);
    await appendRounds(streamId, 1);
    const one = await createConsumer(account.api, { stream_id: streamId, kind: "event" });
    const eight = await createConsumer(account.api, { stream_id: streamId, kind: "event" });
    const log1 = new KeyLog();
    const rate1 = await run(one.name, { ...options, workers: 1 }, log1);
    const log8 = new KeyLog();
    const rate8 = await run(eight.name, { ...options, workers: 8 }, log8);
    console.log(
      `per_key: 1 worker ${Math.round(rate1)} msg/s; 8 workers ${Math.round(rate8)} msg/s`,
    );
    expect(log1.violations).toEqual([]);
    expect(log8.violations).toEqual([]);
    expect(rate8).toBeGreaterThan(rate1 * 2);
  }, 120_000);
});

describe("the seed's Worker A / Worker B race, with a plain (unguarded) upsert", () => {
  /**
   * 30 records, each updated twice; the handler writes the event's data with a plain upsert
   * (last write wins) and takes longer for the older update, so whenever two updates of one
   * record run at once the older write lands last. Returns how many rows end stale.
   */
  async function race(ordering: "none" | "per_key"): Promise<number> {
    const streamId = await createStream(account.api);
    const consumer = await createConsumer(account.api, {
      stream_id: streamId,
      kind: "event",
      ordering,
      deliver_policy: "new",
    });
    const table = `race_${ordering}_${Date.now().toString(36)}`;
    await db.query(`CREATE TABLE ${table} (id text PRIMARY KEY, v int NOT NULL)`);
    const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
    // A record's two updates next to each other in the stream, as when it is edited twice.
    for (const id of ids) {
      for (const v of [1, 2]) {
        const records = [{ collection_id: "salesforce:contact", upstream_id: id, data: { v } }];
        const res = await account.api.post(`/v1/streams/${streamId}/records`, { records });
        expect(res.status).toBe(200);
      }
    }
    const client = createClient({ baseUrl: server.url, token: account.token });
    let handled = 0;
    const workers = ["A", "B"].map(() =>
      runConsumer<{ v: number }>({
        client,
        consumer: consumer.name,
        concurrency: 8,
        waitFor: 200,
        handler: async (message) => {
          if (!isEventMessage(message)) throw new Error("expected an event");
          const { upstream_id: id, data } = message.event;
          // The older update is the slow one: Worker A still runs while Worker B finishes.
          await sleep(data.v === 1 ? 40 : 5);
          await db.query(
            `INSERT INTO ${table} (id, v) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v`,
            [id, data.v],
          );
          handled++;
        },
      }),
    );
    const deadline = Date.now() + 60_000;
    // 30 created + 30 updated events.
    while (handled < ids.length * 2 && Date.now() < deadline) await sleep(10);
    await Promise.all(workers.map((w) => w.stop()));
    expect(handled).toBe(ids.length * 2);
    const { rows } = await db.query<{ stale: number }>(
      `SELECT count(*) FILTER (WHERE v <> 2)::int AS stale FROM ${table}`,
    );
    return rows[0]?.stale ?? -1;
  }

  it("per_key: the older write never wins", async () => {
    for (let round = 0; round < 3; round++) expect(await race("per_key")).toBe(0);
  }, 120_000);

  it("control: with ordering none the same race lets older writes win", async () => {
    expect(await race("none")).toBeGreaterThan(0);
  }, 60_000);
});
