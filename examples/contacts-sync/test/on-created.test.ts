// The welcome-email side effect against the MSW mock (manual clock): one email per `created`
// event, even when delivery is repeated (at least once) or overlaps itself.
import type { ConsumerHandle } from "@sequin/client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureConsumers } from "../src/consumers.js";
import { startWelcomeEmails, type WelcomeEmail } from "../src/on-created.js";
import {
  createTestDatabase,
  type TestDatabase,
  truncateAppTables,
  welcomeRows,
} from "./helpers/database.js";
import { contact, testConfig } from "./helpers/expected.js";
import { MOCK_URL, mockSequin, testTuning } from "./helpers/mock.js";

const ACK_WAIT_MS = 30_000;
const CONSUMER = "contacts-welcome";
const ACK = { path: "/v1/http-consumers/:consumer/ack", method: "POST" };

const sequin = mockSequin("manual");
const { mock } = sequin;
// No client retries: an injected fault then costs exactly one worker attempt.
const client = sequin.client({ maxRetries: 0 });
let db: TestDatabase;
let workers: ConsumerHandle[] = [];
let sent: WelcomeEmail[] = [];
let errors: unknown[] = [];
/** Lets a send that a test holds go, so that a failed test still stops its workers. */
let releaseA: () => void = () => {};

beforeAll(async () => {
  sequin.listen();
  db = await createTestDatabase("welcome");
});
beforeEach(async () => {
  sent = [];
  errors = [];
  await ensureConsumers(client, testConfig(MOCK_URL, mock.token, db.url));
});
afterEach(async () => {
  releaseA();
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  mock.reset();
  await truncateAppTables(db.pool);
});
afterAll(async () => {
  sequin.close();
  await db?.drop();
});

function startWorker(
  send: (email: WelcomeEmail) => unknown = (email) => sent.push(email),
  tuning: { prefetch?: number } = {},
) {
  const worker = startWelcomeEmails({
    ...testTuning(errors),
    ...tuning,
    client,
    db: db.pool,
    consumer: CONSUMER,
    ackWaitMs: ACK_WAIT_MS,
    send,
  });
  workers.push(worker);
  return worker;
}

const createdEvents = () => mock.events().filter((e) => e.action === "created");

describe("welcome emails (mock)", () => {
  it("sends one email per created contact, none for updates, deletes or contacts without email", async () => {
    startWorker();
    mock.seed.records([
      contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" }),
      contact("003B", { FirstName: "Chani", Email: "chani@arrakis.org" }),
      contact("003C", { FirstName: "Stilgar" }), // no Email: nothing to send
    ]);
    mock.seed.records([
      contact("003A", { FirstName: "Paul", Email: "muaddib@arrakis.org" }), // updated
      contact("003B", { FirstName: "Chani", Email: "chani@arrakis.org" }, true), // deleted
    ]);
    expect(mock.events().map((e) => e.action)).toEqual([
      "created",
      "created",
      "created",
      "updated",
      "deleted",
    ]);
    await expect.poll(() => mock.acked(CONSUMER).length).toBe(5);

    const created = createdEvents().filter((e) => e.upstream_id !== "003C");
    expect(sent.map((e) => [e.eventId, e.email])).toEqual(created.map((e) => [e.id, e.data.Email]));
    expect((await welcomeRows(db.pool)).map((r) => r.event_id).sort()).toEqual(
      created.map((e) => e.id).sort(),
    );
    expect(errors).toEqual([]);
  });

  it("does not send twice when an event is redelivered after its ack was lost", async () => {
    startWorker();
    // Every attempt to ack fails: the worker gives up, the lease runs out, the event comes back.
    mock.failNext(4, { status: 500 }, ACK);
    mock.seed.records([contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" })]);
    await expect.poll(() => mock.pendingFaults).toBe(0);
    expect(sent).toHaveLength(1);
    expect(mock.acked(CONSUMER)).toEqual([]);

    await mock.whenWaiting();
    mock.clock.advance(ACK_WAIT_MS);
    await expect.poll(() => mock.acked(CONSUMER).map((d) => d.deliver_count)).toEqual([2]);

    const [event] = createdEvents();
    expect(mock.acked(CONSUMER)[0]?.event?.id).toBe(event?.id);
    expect(sent.map((e) => e.eventId)).toEqual([event?.id]);
    expect(await welcomeRows(db.pool)).toHaveLength(1);
  });

  it("does not send twice when a redelivery overlaps the first, still running, delivery", async () => {
    // Worker A's send hangs until released; its lease expires meanwhile and worker B gets the
    // same event. B's insert waits on A's uncommitted row, then finds it.
    const aIsSending = new Promise<void>((started) => {
      startWorker(
        async (email) => {
          started();
          await new Promise<void>((resolve) => {
            releaseA = resolve;
          });
          sent.push(email);
        },
        { prefetch: 0 },
      ); // leases nothing more while it sends: the redelivery goes to B
    });
    mock.seed.records([contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" })]);
    await aIsSending;

    mock.clock.advance(ACK_WAIT_MS);
    startWorker();
    await expect.poll(() => blockedInserts(db)).toBe(1);
    releaseA();

    await expect.poll(() => mock.acked(CONSUMER).map((d) => d.deliver_count)).toEqual([2]);
    expect(sent).toHaveLength(1);
    expect(await welcomeRows(db.pool)).toHaveLength(1);
  });

  it("sends again after a failed send (the row is rolled back and the event nacked)", async () => {
    let failures = 1;
    startWorker((email) => {
      if (failures-- > 0) throw new Error("SMTP is down");
      sent.push(email);
    });
    mock.seed.records([contact("003A", { FirstName: "Paul", Email: "paul@arrakis.org" })]);
    await expect.poll(() => mock.acked(CONSUMER).length).toBe(1);

    expect(mock.nacked(CONSUMER)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(await welcomeRows(db.pool)).toHaveLength(1);
  });
});

/** Statements of this database waiting for a row lock (B's INSERT behind A's transaction). */
async function blockedInserts(testDb: TestDatabase): Promise<number> {
  const { rows } = await testDb.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO welcome_emails%'`,
    [testDb.name],
  );
  return rows[0]?.n ?? 0;
}
