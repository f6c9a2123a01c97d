import { describe, expect, it } from "vitest";
import type { Loose } from "./helpers/api.js";
import { createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { api } = await serverTest();

/** Follows next_cursor to the end; returns every item and the number of pages. */
async function walk(path: string, limit: number) {
  const items: Loose[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res: { status: number; body: Loose } = await api.get(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.data);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe("cursor pagination", () => {
  it("streams: oldest first, every one once", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createStream(api));
    const { items, pages } = await walk("/v1/streams", 2);
    expect(items.map((s) => s.id)).toEqual([items[0].id, ...created]);
    expect(items[0].name).toBe("default");
    expect(pages).toBe(3);
  });

  it("records in updated_idx order, events in seq order, with a collection filter", async () => {
    const stream = await createStream(api);
    await upsert(
      api,
      stream,
      Array.from({ length: 7 }, (_, i) => record(`r${i}`)),
    );
    await upsert(api, stream, [record("r0", { changed: true })]);
    const records = await walk(`/v1/streams/${stream}/records`, 3);
    expect(records.items.map((r) => r.upstream_id)).toEqual([
      "r1",
      "r2",
      "r3",
      "r4",
      "r5",
      "r6",
      "r0",
    ]);
    const idx = records.items.map((r) => r.updated_idx);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);

    const events = await walk(`/v1/streams/${stream}/events`, 3);
    expect(events.items).toHaveLength(8);
    expect(events.pages).toBe(3);
    const filtered = await walk(`/v1/streams/${stream}/events?collection_id=none`, 3);
    expect(filtered.items).toEqual([]);
  });

  it("consumers and dead letters", async () => {
    const stream = await createStream(api);
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await createConsumer(api, { stream_id: stream, max_deliver: 1 })).id);
    const consumers = await walk(`/v1/http-consumers?stream_id=${stream}`, 2);
    expect(consumers.items.map((c) => c.id)).toEqual(ids);

    await upsert(
      api,
      stream,
      Array.from({ length: 5 }, (_, i) => record(`d${i}`)),
    );
    const leased = await next(api, ids[0]!, 5);
    await api.post(`/v1/http-consumers/${ids[0]}/nack`, {
      ack_tokens: leased.data.map((m) => m.ack_token),
    });
    const letters = await walk(`/v1/http-consumers/${ids[0]}/dead-letters`, 2);
    expect(letters.items.map((d) => d.record.upstream_id)).toEqual(["d0", "d1", "d2", "d3", "d4"]);
    const firstTwo = letters.items.slice(0, 2).map((d) => d.id);
    const redriven = await api.post(`/v1/http-consumers/${ids[0]}/dead-letters/redrive`, {
      ids: [...firstTwo, "999999", "x"],
    });
    expect(redriven.body).toEqual({ count: 2 });
    expect((await next(api, ids[0]!, 10)).data.map((m) => m.record.upstream_id)).toEqual([
      "d0",
      "d1",
    ]);
  });
});
