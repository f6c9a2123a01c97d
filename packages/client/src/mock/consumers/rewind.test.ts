import { describe, expect, it } from "vitest";
import { zRewindResponse } from "../../generated/zod.gen.js";
import { type Json, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const next = async (consumer: string, query = "?batch_size=100") =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/next${query}`)).body;
const ack = (consumer: string, tokens: string[]) =>
  t.call("POST", `/v1/http-consumers/${consumer}/ack`, { body: { ack_tokens: tokens } });
const rewind = (consumer: string, body?: Json) =>
  t.call("POST", `/v1/http-consumers/${consumer}/rewind`, body === undefined ? {} : { body });
const tokens = (answer: Json): string[] => answer.data.map((m: Json) => m.ack_token);
const actions = (answer: Json): string[] => answer.data.map((m: Json) => m.event.action);
const ids = (answer: Json): string[] => answer.data.map((m: Json) => m.record.upstream_id);

describe("rewind", () => {
  it("event consumers: from_seq, from_time, or from the oldest retained event", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event" });
    const events = t.mock.seed.events([{ collection_id: "x", action: "a", data: {} }]);
    t.mock.clock.advance(1000);
    const later = t.mock.clock.now().toISOString();
    t.mock.seed.events(["b", "c"].map((action) => ({ collection_id: "x", action, data: {} })));
    await ack("ev", tokens(await next("ev")));

    const fromSeq = await rewind("ev", { from_seq: (events[0]?.seq ?? 0) + 1 });
    expect(zRewindResponse.safeParse(fromSeq.body).success).toBe(true);
    expect(fromSeq.body).toEqual({
      info: { num_pending: 2, num_ack_pending: 0, num_dead_letters: 0 },
    });
    const again = await next("ev");
    expect(actions(again)).toEqual(["b", "c"]);
    expect(again.data.map((m: Json) => m.deliver_count)).toEqual([1, 1]);
    await ack("ev", tokens(again));

    await rewind("ev", { from_time: later });
    expect(actions(await next("ev"))).toEqual(["b", "c"]);
    const none = await rewind("ev", {
      from_time: new Date(Date.parse(later) + 1000).toISOString(),
    });
    expect(none.body.info.num_pending).toBe(0);
    // Without a body: every retained event; the leased ones lose their delivery.
    expect((await rewind("ev")).body.info).toEqual({
      num_pending: 3,
      num_ack_pending: 0,
      num_dead_letters: 0,
    });
    expect(actions(await next("ev"))).toEqual(["a", "b", "c"]);
  });

  it("record consumers: all, from_updated_idx, from_time (null upstream_updated_at counts)", async () => {
    const written = t.mock.seed.records([
      {
        collection_id: "c",
        upstream_id: "1",
        data: {},
        upstream_updated_at: "2024-01-01T00:00:00Z",
      },
      {
        collection_id: "c",
        upstream_id: "2",
        data: {},
        upstream_updated_at: "2024-03-01T00:00:00Z",
      },
      { collection_id: "c", upstream_id: "3", data: {} },
    ]);
    t.mock.seed.consumer({ name: "c" });
    await ack("c", tokens(await next("c")));
    await rewind("c", { from_updated_idx: written[1]?.updated_idx });
    expect(ids(await next("c"))).toEqual(["2", "3"]);
    await rewind("c", { from_time: "2024-02-01T00:00:00Z" });
    const fromTime = await next("c");
    expect(ids(fromTime)).toEqual(["2", "3"]);
    expect(fromTime.data.map((m: Json) => m.deliver_count)).toEqual([1, 1]);
    await rewind("c");
    expect(ids(await next("c"))).toEqual(["1", "2", "3"]);
  });

  it("drops leased deliveries (their tokens are unknown), is idempotent, keeps dead letters", async () => {
    t.mock.seed.records(
      ["1", "2"].map((id) => ({ collection_id: "c", upstream_id: id, data: {} })),
    );
    t.mock.seed.consumer({ name: "c", max_deliver: 1 });
    const first = await next("c", "?batch_size=1");
    await t.call("POST", "/v1/http-consumers/c/nack", { body: { ack_tokens: tokens(first) } });
    const leased = await next("c");
    expect(ids(leased)).toEqual(["2"]);
    const once = await rewind("c");
    const twice = await rewind("c");
    expect(once.body).toEqual(twice.body);
    expect(once.body.info).toEqual({ num_pending: 2, num_ack_pending: 0, num_dead_letters: 1 });
    expect((await ack("c", tokens(leased))).body).toMatchObject({ count: 0 });
    expect(ids(await next("c"))).toEqual(["1", "2"]);
  });

  it("refuses a field of the other kind, two fields and bad values", async () => {
    t.mock.seed.consumer({ name: "c" });
    t.mock.seed.consumer({ name: "ev", kind: "event" });
    const seqOnRecords = await rewind("c", { from_seq: 1 });
    expect(seqOnRecords.status).toBe(422);
    expect(seqOnRecords.body.details).toEqual([{ path: "from_seq", message: expect.any(String) }]);
    const idxOnEvents = await rewind("ev", { from_updated_idx: 0 });
    expect(idxOnEvents.status).toBe(422);
    expect(idxOnEvents.body.details[0].path).toBe("from_updated_idx");
    expect((await rewind("ev", { from_seq: 1, from_time: "2024-01-01T00:00:00Z" })).status).toBe(
      422,
    );
    expect((await rewind("ev", { from_seq: 0 })).status).toBe(422);
    expect((await rewind("ev", { from_time: "yesterday" })).status).toBe(422);
    expect((await rewind("nobody")).status).toBe(404);
  });
});
