import { createClient, isRecordMessage, type Message, runConsumer } from "@sequin/client";
import { describe, expect, it } from "vitest";
import { createConsumer, createStream, next, record, sleep, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { server, account } = await serverTest();

type Contact = { n: number };

const upstreamId = (message: Message<Contact>) =>
  isRecordMessage(message) ? message.record.upstream_id : "";

/** Everything that happened to one delivery (one ack token). */
interface Delivery {
  id: string;
  deliverCount: number;
  events: Array<"processed" | "failed" | "acked" | "nacked" | "leaseLost">;
}

describe("runConsumer: the acceptance scenario", () => {
  it("1,000 records, concurrency 8, 10 % fail once: all processed and acked, none acked after a throw", async () => {
    const N = 1_000;
    const streamId = await createStream(account.api);
    const consumer = await createConsumer(account.api, { stream_id: streamId });
    const ids = Array.from({ length: N }, (_, i) => `contact-${i}`);
    await upsert(
      account.api,
      streamId,
      ids.map((id, n) => record(id, { n })),
    );
    // Every tenth record throws on its first delivery.
    const failOnce = new Set(ids.filter((_, n) => n % 10 === 0));

    const client = createClient({ baseUrl: server.url, token: account.token });
    const deliveries = new Map<string, Delivery>();
    const problems: unknown[] = [];
    const ackedIds = new Set<string>();
    let inFlight = 0;
    let maxInFlight = 0;
    const log = (message: Message<Contact>, event: Delivery["events"][number]) => {
      const delivery = deliveries.get(message.ack_token) ?? {
        id: upstreamId(message),
        deliverCount: message.deliver_count ?? 0,
        events: [],
      };
      deliveries.set(message.ack_token, delivery);
      delivery.events.push(event);
    };

    const handle = runConsumer<Contact>({
      client,
      consumer: consumer.name,
      concurrency: 8,
      waitFor: 1_000,
      handler: async (message) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await sleep(1);
          if (!isRecordMessage(message)) throw new Error("expected a record");
          // The typed payload is the record's data as upserted.
          if (`contact-${message.record.data.n}` !== upstreamId(message)) {
            problems.push(new Error(`wrong data for ${upstreamId(message)}`));
          }
          if (message.deliver_count === 1 && failOnce.has(upstreamId(message))) {
            throw new Error(`first delivery of ${upstreamId(message)} fails`);
          }
        } finally {
          inFlight--;
        }
      },
      hooks: {
        onProcessed: (m) => log(m, "processed"),
        onFailed: (m) => log(m, "failed"),
        onAcked: (m) => {
          log(m, "acked");
          ackedIds.add(upstreamId(m));
        },
        onNacked: (m) => log(m, "nacked"),
        onLeaseLost: (m) => log(m, "leaseLost"),
        onError: (error) => problems.push(error),
      },
    });

    const deadline = Date.now() + 25_000;
    while (ackedIds.size < N && Date.now() < deadline) await sleep(20);
    await handle.stop();

    expect(problems).toEqual([]);
    expect(ackedIds.size).toBe(N);
    expect(maxInFlight).toBe(8);

    // Per delivery: processed then acked, or failed then nacked. Never acked after a throw.
    const all = [...deliveries.values()];
    for (const d of all) {
      const expected = d.events[0] === "failed" ? ["failed", "nacked"] : ["processed", "acked"];
      expect({ id: d.id, events: d.events }).toEqual({ id: d.id, events: expected });
    }
    // Per record: the failing tenth failed on delivery 1 and succeeded on delivery 2; the
    // others succeeded on delivery 1. Nothing else was delivered.
    const byId = new Map<string, Delivery[]>();
    for (const d of all) byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
    expect(byId.size).toBe(N);
    for (const id of ids) {
      const got = (byId.get(id) ?? []).map((d) => `${d.deliverCount}:${d.events[0]}`).sort();
      expect({ id, got }).toEqual({
        id,
        got: failOnce.has(id) ? ["1:failed", "2:processed"] : ["1:processed"],
      });
    }
    expect(all.filter((d) => d.events[0] === "failed")).toHaveLength(N / 10);

    const after = await next(account.api, consumer.id, 10, 0);
    expect(after.data).toEqual([]);
    expect(after.info).toEqual({ num_pending: 0, num_ack_pending: 0 });
  });
});
