// The log + window consume core (migrations 0007-0027, docs/decisions/0008) at the SQL level:
// what the conformance suite cannot see from outside.
import { describe, expect, it } from "vitest";
import { ack, createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { db, api, account } = await serverTest();
const { accountId } = account;

const count = async (sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
const windowRows = (consumer: string) =>
  count("SELECT count(*) AS n FROM deliveries WHERE account_id = $1 AND consumer_id = $2", [
    accountId,
    consumer,
  ]);
const floorOf = async (consumer: string) =>
  Number(
    (
      await db.query<{ pos: string }>("SELECT pos FROM sequin_window_floor_v1($1, $2)", [
        accountId,
        consumer,
      ])
    ).rows[0]!.pos,
  );
const upstreamIds = (data: Array<{ record?: { upstream_id: string } }>) =>
  data.map((m) => m.record?.upstream_id);

describe("the log + window core", () => {
  it("writes nothing per consumer; the window holds only what is out, and empties on ack", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    await upsert(api, stream, [record("a"), record("b"), record("c")]);
    expect(await windowRows(consumer.id)).toBe(0);

    const leased = await next(api, consumer.id, 2);
    expect(upstreamIds(leased.data)).toEqual(["a", "b"]);
    expect(leased.info).toEqual({ num_pending: 1, num_ack_pending: 2 });
    expect(await windowRows(consumer.id)).toBe(2);
    await ack(
      api,
      consumer.id,
      leased.data.map((m: { ack_token: string }) => m.ack_token),
    );
    expect(await windowRows(consumer.id)).toBe(0);
  });

  it("a delivery offered again moves to the head, and the floor moves up past finished ones", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    await upsert(api, stream, [record("a"), record("b"), record("c")]);
    const leased = await next(api, consumer.id, 3);
    const [a, b, c] = leased.data as Array<{ ack_token: string }>;
    const seqOf = async (upstreamId: string) =>
      Number(
        (
          await db.query<{ seq: string }>(
            `SELECT d.seq FROM deliveries d JOIN records r ON r.account_id = d.account_id AND r.id = d.record_id
             WHERE d.account_id = $1 AND d.consumer_id = $2 AND r.upstream_id = $3`,
            [accountId, consumer.id, upstreamId],
          )
        ).rows[0]!.seq,
      );
    const before = await seqOf("a");
    const nacked = await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [a!.ack_token],
    });
    expect(nacked.status).toBe(200);
    const after = await seqOf("a");
    expect(after).toBeGreaterThan(await seqOf("c"));
    expect(after).toBeGreaterThan(before);

    await ack(api, consumer.id, [b!.ack_token, c!.ack_token]);
    await db.query("SELECT sequin_window_move_floor_v2($1, $2)", [accountId, consumer.id]);
    // Only "a" is left: the floor lies just below it, above every finished delivery.
    expect(await floorOf(consumer.id)).toBe(after - 1);
    const again = await next(api, consumer.id, 10);
    expect(upstreamIds(again.data)).toEqual(["a"]);
    expect(again.data[0]!.deliver_count).toBe(2);
  });

  it("with nothing left, the floor moves to the last seq drawn", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    await upsert(api, stream, [record("a")]);
    const leased = await next(api, consumer.id, 1);
    await ack(api, consumer.id, [leased.data[0]!.ack_token]);
    await db.query("SELECT sequin_window_move_floor_v2($1, $2)", [accountId, consumer.id]);
    const { rows } = await db.query<{ last: string }>(
      "SELECT last_value AS last FROM delivery_seq",
    );
    expect(await floorOf(consumer.id)).toBeGreaterThanOrEqual(Number(rows[0]!.last));
    // A message written afterwards still lands above it and is delivered.
    await upsert(api, stream, [record("b")]);
    expect(upstreamIds((await next(api, consumer.id, 1)).data)).toEqual(["b"]);
  });

  it("leases of one consumer at the same moment never hand out one message twice", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    await upsert(
      api,
      stream,
      Array.from({ length: 200 }, (_, i) => record(`r${i}`)),
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => next(api, consumer.id, 40)));
    const ids = answers.flatMap((a) => upstreamIds(a.data));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(200);
  });

  it("a filter change keeps what was written before it pending", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    await upsert(api, stream, [record("a", { name: "a" }, { collection_id: "crm:contact" })]);
    const patched = await api.patch(`/v1/http-consumers/${consumer.id}`, {
      filters: { collection_id: "crm:account" },
    });
    expect(patched.status).toBe(200);
    await upsert(api, stream, [
      record("b", { name: "b" }, { collection_id: "crm:contact" }),
      record("c", { name: "c" }, { collection_id: "crm:account" }),
    ]);
    const leased = await next(api, consumer.id, 10);
    expect(upstreamIds(leased.data).sort()).toEqual(["a", "c"]);
  });

  it("num_pending is exact up to 100 and estimated from log positions above", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    for (let i = 0; i < 3; i++)
      await upsert(
        api,
        stream,
        Array.from({ length: 500 }, (_, j) => record(`p${i}-${j}`)),
      );
    const info = await api.get(`/v1/http-consumers/${consumer.id}/messages?limit=1`);
    expect(info.status).toBe(200);
    // One stream written alone: its positions are contiguous, so the estimate is exact.
    expect(info.body.info.num_pending).toBe(1500);
  });
});
