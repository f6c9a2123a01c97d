import { describe, expect, it } from "vitest";
import { ack, createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { api } = await serverTest();

async function info(consumer: string) {
  return (await next(api, consumer, 1, 0)).info;
}

describe("num_pending and num_ack_pending", () => {
  it("stay exact across writes, leases, acks and dead letters", async () => {
    const stream = await createStream(api);
    await upsert(
      api,
      stream,
      Array.from({ length: 30 }, (_, i) => record(`r${i}`)),
    );
    const consumer = await createConsumer(api, { stream_id: stream, max_deliver: 1 });
    const leased = await next(api, consumer.id, 10);
    expect(leased.info).toEqual({ num_pending: 20, num_ack_pending: 10 });

    await ack(
      api,
      consumer.id,
      leased.data.slice(0, 4).map((m) => m.ack_token),
    );
    await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: leased.data.slice(4).map((m) => m.ack_token),
    });
    // 4 acked, 6 nacked at max_deliver 1: dead letters, not pending.
    const now = await info(consumer.id);
    expect(now.num_ack_pending).toBe(1);
    expect(now.num_pending + now.num_ack_pending).toBe(20);
    await upsert(api, stream, [record("new-1"), record("new-2")]);
    const after = await next(api, consumer.id, 1);
    expect(after.info.num_pending + after.info.num_ack_pending).toBe(22);
  });
});
