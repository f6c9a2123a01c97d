import { describe, expect, it } from "vitest";
import { zConsumer } from "../../generated/zod.gen.js";
import { type Json, tick, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: { mode: "manual", start: "2030-01-01T00:00:00Z" } });
const patch = (body: Json) => t.call("PATCH", "/v1/http-consumers/c", { body });
const next = async (query = "") => (await t.call("GET", `/v1/http-consumers/c/next${query}`)).body;
const at = (ms: number) => new Date(t.mock.clock.now().getTime() + ms).toISOString();

describe("pause", () => {
  it("paused: true hands out nothing until resumed; leases out still ack", async () => {
    t.mock.seed.records(
      ["1", "2"].map((id) => ({ collection_id: "c", upstream_id: id, data: {} })),
    );
    t.mock.seed.consumer({ name: "c" });
    const leased = await next();
    const paused = await patch({ paused: true });
    expect(zConsumer.safeParse(paused.body).success).toBe(true);
    expect(paused.body).toMatchObject({ paused: true, paused_until: null });
    expect(await next("?batch_size=10")).toEqual({
      data: [],
      info: { num_pending: 1, num_ack_pending: 1 },
    });
    const ack = await t.call("POST", "/v1/http-consumers/c/ack", {
      body: { ack_tokens: [leased.data[0].ack_token] },
    });
    expect(ack.body.count).toBe(1);
    expect((await patch({ paused: false })).body).toMatchObject({
      paused: false,
      paused_until: null,
    });
    expect((await next()).data[0].record.upstream_id).toBe("2");
  });

  it("a long-poll waits while paused and answers on resume", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c" });
    await patch({ paused: true });
    let done = false;
    const poll = t.call("GET", "/v1/http-consumers/c/next?wait_for=60000").then((res) => {
      done = true;
      return res;
    });
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(1000);
    await tick(10);
    expect(done).toBe(false);
    await patch({ paused_until: null });
    expect((await poll).body.data).toHaveLength(1);
  });

  it("a timed pause ends by itself at paused_until and wakes a long-poll", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c" });
    const until = at(5000);
    expect((await patch({ paused_until: until })).body).toMatchObject({
      paused: true,
      paused_until: until,
    });
    const poll = t.call("GET", "/v1/http-consumers/c/next?wait_for=60000");
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(5000);
    expect((await poll).body.data).toHaveLength(1);
    expect((await t.call("GET", "/v1/http-consumers/c")).body).toMatchObject({
      paused: false,
      paused_until: null,
    });
    expect(t.mock.consumer("c")).toMatchObject({ paused: false });
  });

  it("paused: true with paused_until pauses until then; a past time resumes", async () => {
    t.mock.seed.consumer({ name: "c" });
    const until = at(60_000);
    expect((await patch({ paused: true, paused_until: until })).body).toMatchObject({
      paused: true,
      paused_until: until,
    });
    const list = await t.call("GET", "/v1/http-consumers");
    expect(list.body.data[0]).toMatchObject({ paused: true, paused_until: until });
    expect((await patch({ paused_until: at(-1000) })).body).toMatchObject({
      paused: false,
      paused_until: null,
    });
  });

  it("refuses paused: false with a future paused_until, and paused at create", async () => {
    t.mock.seed.consumer({ name: "c" });
    const contradiction = await patch({ paused: false, paused_until: at(60_000) });
    expect(contradiction.status).toBe(422);
    expect(contradiction.body.details[0].path).toBe("paused_until");
    expect((await patch({ paused: false, paused_until: at(-1) })).status).toBe(200);
    const create = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", paused: true },
    });
    expect(create.status).toBe(422);
    expect((await patch({ paused: "yes" })).status).toBe(422);
  });
});
