import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.js";
import { createSequinMock } from "../mock/index.js";
import type { Message } from "../types.js";
import { runConsumer } from "./run-consumer.js";
import { terminate } from "./termination.js";

// runConsumer against the MSW mock of @sequin/client/mock, which follows the server's rules
// for backoff, nack delays and reasons, term, and pause (issue 22).
const baseUrl = "http://sequin.test";
const mock = createSequinMock({ baseUrl });
const server = setupServer(...mock.handlers);
const client = createClient({ baseUrl, token: mock.token, maxRetries: 0 });

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => mock.reset());
afterAll(() => server.close());

type Contact = { email?: string; fail?: boolean };
const COLLECTION = "crm:contact";
const seed = (...contacts: Contact[]) =>
  mock.seed.records(
    contacts.map((data, i) => ({ collection_id: COLLECTION, upstream_id: `c${i}`, data })),
  );
const dataOf = (m: Message<Contact>) => ("record" in m ? m.record.data : {});

describe("runConsumer against the mock", () => {
  it("dead-letters a terminated message with its reason and acks the others", async () => {
    mock.seed.consumer({ name: "contacts" });
    seed({ email: "a@x.org" }, {});
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      hooks: { onTerminated: () => {} },
      handler: (m) => (dataOf(m).email ? undefined : terminate("Contact has no email address")),
    });
    await expect.poll(() => mock.deadLetters("contacts").length).toBe(1);
    await expect.poll(() => mock.acked("contacts").length).toBe(1);
    await worker.stop();
    expect(mock.deadLetters("contacts")).toMatchObject([
      { deliver_count: 1, cause: "terminated", last_error: "Contact has no email address" },
    ]);
    expect(mock.nacked("contacts")).toEqual([]);
  });

  it("counts an ack whose answer was lost as acked when its retry finds it settled, not as a lost lease", async () => {
    mock.seed.consumer({ name: "contacts" });
    seed({ email: "a@x.org" });
    // The mock applies the ack, then the answer is lost; the worker sends the ack again.
    mock.failNext(1, "network", {
      path: "/v1/http-consumers/:consumer/ack",
      method: "POST",
      when: "after",
    });
    let acked = 0;
    let lost = 0;
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      onError: () => {},
      hooks: { onAcked: () => acked++, onLeaseLost: () => lost++ },
      handler: () => {},
    });
    await expect.poll(() => acked).toBe(1);
    await worker.stop();
    expect(lost).toBe(0);
    expect(mock.acked("contacts")).toHaveLength(1);
    expect(mock.pendingFaults).toBe(0);
  });

  it("nacks with the error as the last error and retryDelayMs as the wait: peek shows both", async () => {
    mock.seed.consumer({ name: "contacts" });
    seed({ fail: true });
    let failures = 0;
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      retryDelayMs: 60_000,
      hooks: { onFailed: () => failures++ },
      handler: () => {
        throw new Error("connect ECONNREFUSED 10.0.0.7:5432");
      },
    });
    await expect.poll(() => mock.nacked("contacts").length).toBe(1);
    await worker.stop();
    const peek = await client.consumers.peek("contacts");
    expect(peek.data).toMatchObject([
      { state: "pending", deliver_count: 1, last_error: "connect ECONNREFUSED 10.0.0.7:5432" },
    ]);
    const retryAt = Date.parse(peek.data[0]?.retry_at ?? "");
    expect(retryAt - Date.now()).toBeGreaterThan(50_000);
    expect(failures).toBe(1);
  });

  it("leaves redelivery to the consumer's backoff_ms without retryDelayMs", async () => {
    mock.seed.consumer({ name: "contacts", backoff_ms: [0, 3_600_000] });
    seed({ fail: true });
    let calls = 0;
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      hooks: { onFailed: () => {} },
      handler: () => {
        calls++;
        throw new Error("still down");
      },
    });
    // First failure: at once (0); the second waits an hour.
    await expect.poll(() => mock.nacked("contacts").length).toBe(2);
    await worker.stop();
    expect(calls).toBe(2);
    const [waiting] = (await client.consumers.peek("contacts")).data;
    expect(waiting).toMatchObject({ deliver_count: 2, last_error: "still down" });
    expect(Date.parse(waiting?.retry_at ?? "") - Date.now()).toBeGreaterThan(3_500_000);
  });

  it("terminates one message of a batch by its outcome", async () => {
    mock.seed.consumer({ name: "contacts" });
    seed({ email: "a@x.org" }, {}, { email: "b@x.org" });
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      batchSize: 3,
      hooks: { onTerminated: () => {} },
      batchHandler: (messages) =>
        messages.map((m) => (dataOf(m).email ? "ack" : terminate("no email"))),
    });
    await expect.poll(() => mock.acked("contacts").length).toBe(2);
    await expect.poll(() => mock.deadLetters("contacts").length).toBe(1);
    await worker.stop();
    expect(mock.deadLetters("contacts")[0]).toMatchObject({
      cause: "terminated",
      last_error: "no email",
    });
  });

  it("leases nothing while paused, and everything once resumed", async () => {
    mock.seed.consumer({ name: "contacts" });
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      handler: () => {},
    });
    worker.pause();
    seed({ email: "a@x.org" }, { email: "b@x.org" });
    // A paused worker sends no request at all, so there is nothing to wait on but time.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mock.acked("contacts")).toEqual([]);
    expect((await client.consumers.peek("contacts")).info.num_ack_pending).toBe(0);
    worker.resume();
    await expect.poll(() => mock.acked("contacts").length).toBe(2);
    await worker.stop();
  });

  it("gets nothing from a consumer paused on the server, and goes on when it is resumed", async () => {
    mock.seed.consumer({ name: "contacts" });
    await client.consumers.update("contacts", { paused: true });
    seed({ email: "a@x.org" });
    const worker = runConsumer<Contact>({
      client,
      consumer: "contacts",
      waitFor: 100,
      handler: () => {},
    });
    await mock.whenWaiting(); // its long-poll is parked: the paused consumer hands out nothing
    expect(mock.acked("contacts")).toEqual([]);
    expect(worker.paused).toBe(false); // the server's pause is not the worker's
    await client.consumers.update("contacts", { paused: false });
    await expect.poll(() => mock.acked("contacts").length).toBe(1);
    await worker.stop();
  });
});
