import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/db.js";
import type { Api } from "../helpers/api.js";
import {
  ack,
  createConsumer,
  createStream,
  next,
  record,
  sleep,
  upsert,
} from "../helpers/fixtures.js";
import type { TestServer } from "../helpers/server.js";

/** What the shared scenarios run against: a server on Postgres or on PGlite. */
export interface ScenarioEnv {
  server: TestServer;
  db: Db;
  /** A client of one account. */
  api: Api;
}

/** Delivery scenarios that must hold on both storage backends. */
export function deliveryScenarios(env: () => ScenarioEnv) {
  describe("leasing and acking", () => {
    it("leases up to batch_size, hides leased messages, and acks finish them", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a"), record("b"), record("c")]);

      const first = await next(api, consumer.name, 2);
      expect(first.data.map((m) => m.record.upstream_id)).toEqual(["a", "b"]);
      expect(first.data.every((m) => m.deliver_count === 1)).toBe(true);
      expect(first.info).toEqual({ num_pending: 1, num_ack_pending: 2 });

      const second = await next(api, consumer.id, 10);
      expect(second.data.map((m) => m.record.upstream_id)).toEqual(["c"]);
      expect((await next(api, consumer.id, 10)).data).toEqual([]);

      const acked = await ack(
        api,
        consumer.id,
        [...first.data, ...second.data].map((m) => m.ack_token),
      );
      expect(acked).toEqual({ success: true, count: 3, unknown_ack_tokens: [] });
      const after = await next(api, consumer.id, 10);
      expect(after).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });

      // Acking again finishes nothing: the tokens are listed as unknown.
      const again = await ack(api, consumer.id, [first.data[0]!.ack_token]);
      expect(again).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: [first.data[0]!.ack_token],
      });
    });

    it("POST next takes parameters from the body, which wins over the query", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a"), record("b"), record("c")]);
      const res = await api.post(`/v1/http-consumers/${consumer.id}/next?batch_size=1`, {
        batch_size: 2,
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(2);
      const bodyless = await api.post(`/v1/http-consumers/${consumer.id}/next?batch_size=1`);
      expect(bodyless.body.data).toHaveLength(1);
    });

    it("nack makes a message available at once with a higher deliver_count", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a")]);
      const first = await next(api, consumer.id);
      const res = await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
        ack_tokens: [first.data[0]!.ack_token],
      });
      expect(res.body).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
      const second = await next(api, consumer.id);
      expect(second.data[0]!.record.upstream_id).toBe("a");
      expect(second.data[0]!.deliver_count).toBe(2);
      expect(second.data[0]!.ack_token).not.toBe(first.data[0]!.ack_token);
    });

    it("redelivers after ack_wait_ms; the earlier delivery's token cannot ack the newer one", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 200 });
      await upsert(api, stream, [record("a")]);
      const first = await next(api, consumer.id);
      expect((await next(api, consumer.id)).data).toHaveLength(0);
      await sleep(300);
      const second = await next(api, consumer.id);
      expect(second.data).toHaveLength(1);
      expect(second.data[0]!.deliver_count).toBe(2);

      const stale = await ack(api, consumer.id, [first.data[0]!.ack_token]);
      expect(stale.count).toBe(0);
      expect(stale.unknown_ack_tokens).toEqual([first.data[0]!.ack_token]);
      // The newer delivery is still leased: nobody else gets it.
      expect((await next(api, consumer.id)).data).toHaveLength(0);
      expect((await ack(api, consumer.id, [second.data[0]!.ack_token])).count).toBe(1);
    });

    it("extend keeps a lease alive; an expired lease cannot be extended", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 300 });
      await upsert(api, stream, [record("a"), record("b")]);
      const leased = await next(api, consumer.id, 2);
      const [a, b] = leased.data;
      const extended = await api.post(`/v1/http-consumers/${consumer.id}/extend`, {
        ack_tokens: [a!.ack_token],
        extend_ms: 5000,
      });
      expect(extended.body).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
      await sleep(400);
      const again = await next(api, consumer.id, 10);
      expect(again.data.map((m) => m.record.upstream_id)).toEqual(["b"]);
      const late = await api.post(`/v1/http-consumers/${consumer.id}/extend`, {
        ack_tokens: [b!.ack_token],
      });
      expect(late.body.unknown_ack_tokens).toEqual([b!.ack_token]);
      expect((await ack(api, consumer.id, [a!.ack_token])).count).toBe(1);
    });

    it("a record updated while leased is delivered again in its new version after the ack", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a", { v: 1 })]);
      const first = await next(api, consumer.id);
      expect(first.data[0]!.record.data).toEqual({ v: 1 });

      const [updated] = await upsert(api, stream, [record("a", { v: 2 })]);
      expect(updated!.result).toBe("updated");
      // Still leased: not delivered to anyone else meanwhile.
      expect((await next(api, consumer.id)).data).toHaveLength(0);

      expect((await ack(api, consumer.id, [first.data[0]!.ack_token])).count).toBe(1);
      const second = await next(api, consumer.id);
      expect(second.data).toHaveLength(1);
      expect(second.data[0]!.record.data).toEqual({ v: 2 });
      expect(second.data[0]!.record.updated_idx).toBe(updated!.updated_idx);
      expect(second.data[0]!.deliver_count).toBe(1);
      await ack(api, consumer.id, [second.data[0]!.ack_token]);
      expect((await next(api, consumer.id)).data).toHaveLength(0);
    });

    it("a pending record is delivered once, in its latest version", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a", { v: 1 })]);
      await upsert(api, stream, [record("a", { v: 2 })]);
      await upsert(api, stream, [record("a", { v: 3 })]);
      const res = await next(api, consumer.id, 10);
      expect(res.data.map((m) => m.record.data)).toEqual([{ v: 3 }]);
    });

    it("an unchanged upsert causes no redelivery and no event", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      const [first] = await upsert(api, stream, [record("a", { v: 1, nested: { x: [1, 2] } })]);
      const leased = await next(api, consumer.id);
      await ack(api, consumer.id, [leased.data[0]!.ack_token]);

      // Same data with keys in another order: unchanged.
      const [again] = await upsert(api, stream, [record("a", { nested: { x: [1, 2] }, v: 1 })]);
      expect(again).toMatchObject({
        result: "unchanged",
        updated_idx: first!.updated_idx,
        id: first!.id,
      });
      expect((await next(api, consumer.id)).data).toHaveLength(0);
      const events = await api.get(`/v1/streams/${stream}/events`);
      expect(events.body.data).toHaveLength(1);
    });

    it("ignores a version older than the stored upstream_updated_at", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      const at = (t: string) => ({ upstream_updated_at: t });
      const [v2] = await upsert(api, stream, [record("a", { v: 2 }, at("2024-03-01T12:00:02Z"))]);
      const [v1] = await upsert(api, stream, [record("a", { v: 1 }, at("2024-03-01T12:00:01Z"))]);
      expect(v1).toMatchObject({ result: "stale", updated_idx: v2!.updated_idx });
      const [v3] = await upsert(api, stream, [record("a", { v: 3 }, at("2024-03-01T12:00:03Z"))]);
      expect(v3!.result).toBe("updated");
      expect(v3!.updated_idx).toBeGreaterThan(v2!.updated_idx);
      const res = await next(api, consumer.id, 10);
      expect(res.data.map((m) => m.record.data)).toEqual([{ v: 3 }]);
      expect(res.data[0]!.record.upstream_updated_at).toBe("2024-03-01T12:00:03.000Z");
    });
  });

  describe("events", () => {
    it("delivers events in stream order with the changes of each update", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, {
        stream_id: stream,
        kind: "event",
        ordering: "none",
      });
      await upsert(api, stream, [record("a", { n: 1, keep: true })]);
      await upsert(api, stream, [record("a", { n: 2, keep: true, added: "x" })]);
      await upsert(api, stream, [record("a", { n: 2, keep: true, added: "x" }, { deleted: true })]);
      const appended = await api.post(`/v1/streams/${stream}/events`, {
        events: [
          { collection_id: "stripe:subscription", action: "threshold", data: { amount: 5 } },
        ],
      });
      expect(appended.status).toBe(201);

      const res = await next(api, consumer.id, 10);
      const events = res.data.map((m) => m.event);
      expect(events.map((e) => e.action)).toEqual(["created", "updated", "deleted", "threshold"]);
      expect(events[1].changes).toEqual({ n: 1, added: null });
      const seqs = events.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(events[3].record_id).toBeNull();
      expect(events[0].updated_idx).toBeLessThan(events[1].updated_idx);
    });
  });

  describe("filters and deliver policies", () => {
    it("filters AND together; * matches anything", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const contacts = await createConsumer(api, {
        stream_id: stream,
        filters: { collection_id: "salesforce:contact", provider: "salesforce" },
      });
      const everything = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [
        record("a", {}, { provider: "salesforce" }),
        record("b", {}, { provider: "hubspot" }),
        { collection_id: "salesforce:account", upstream_id: "c", data: {}, provider: "salesforce" },
        record("d", {}, { provider: "salesforce", sync: { id: "sync-1" } }),
      ]);
      const got = await next(api, contacts.id, 10);
      expect(got.data.map((m) => m.record.upstream_id)).toEqual(["a", "d"]);
      expect((await next(api, everything.id, 10)).data).toHaveLength(4);

      const bySync = await createConsumer(api, {
        stream_id: stream,
        filters: { sync_id: "sync-1" },
      });
      expect((await next(api, bySync.id, 10)).data.map((m) => m.record.upstream_id)).toEqual(["d"]);
    });

    it("deliver_policy all backfills what exists; new only sees later writes", async () => {
      const { api } = env();
      const stream = await createStream(api);
      await upsert(api, stream, [record("old")]);
      await api.post(`/v1/streams/${stream}/events`, {
        events: [{ collection_id: "x", action: "old", data: {} }],
      });
      const all = await createConsumer(api, { stream_id: stream, deliver_policy: "all" });
      const allEvents = await createConsumer(api, {
        stream_id: stream,
        deliver_policy: "all",
        kind: "event",
      });
      const fresh = await createConsumer(api, { stream_id: stream, deliver_policy: "new" });
      await upsert(api, stream, [record("new")]);

      expect((await next(api, all.id, 10)).data.map((m) => m.record.upstream_id)).toEqual([
        "old",
        "new",
      ]);
      expect((await next(api, allEvents.id, 10)).data.map((m) => m.event.action)).toEqual([
        "created",
        "old",
        "created",
      ]);
      expect((await next(api, fresh.id, 10)).data.map((m) => m.record.upstream_id)).toEqual([
        "new",
      ]);
    });

    it("a consumer without stream_id reads the account's default stream", async () => {
      const { api } = env();
      const consumer = await createConsumer(api);
      const streams = await api.get("/v1/streams");
      const def = streams.body.data.find((s: { name: string }) => s.name === "default");
      expect(consumer.stream_id).toBe(def.id);
    });
  });

  describe("limits", () => {
    it("never leases more than max_ack_pending at once", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, max_ack_pending: 3 });
      await upsert(
        api,
        stream,
        Array.from({ length: 10 }, (_, i) => record(`r${i}`)),
      );
      const first = await next(api, consumer.id, 10);
      expect(first.data).toHaveLength(3);
      expect(first.info).toEqual({ num_pending: 7, num_ack_pending: 3 });
      expect((await next(api, consumer.id, 10)).data).toHaveLength(0);
      await ack(api, consumer.id, [first.data[0]!.ack_token]);
      expect((await next(api, consumer.id, 10)).data).toHaveLength(1);
    });

    it("after max_deliver deliveries a message is a dead letter, listed and redriven", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, max_deliver: 2 });
      await upsert(api, stream, [record("poison"), record("fine")]);
      for (let i = 0; i < 2; i++) {
        const leased = await next(api, consumer.id, 10);
        const poison = leased.data.find((m) => m.record.upstream_id === "poison")!;
        expect(poison.deliver_count).toBe(i + 1);
        const fine = leased.data.find((m) => m.record.upstream_id === "fine");
        if (fine) await ack(api, consumer.id, [fine.ack_token]);
        await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
          ack_tokens: [poison.ack_token],
        });
      }
      const after = await next(api, consumer.id, 10);
      expect(after.data).toHaveLength(0);
      expect(after.info.num_pending).toBe(0);

      const letters = await api.get(`/v1/http-consumers/${consumer.id}/dead-letters`);
      expect(letters.body.data).toHaveLength(1);
      expect(letters.body.data[0]).toMatchObject({
        deliver_count: 2,
        record: { upstream_id: "poison" },
      });

      const redriven = await api.post(`/v1/http-consumers/${consumer.id}/dead-letters/redrive`);
      expect(redriven.body).toEqual({ count: 1 });
      const back = await next(api, consumer.id, 10);
      expect(back.data.map((m) => [m.record.upstream_id, m.deliver_count])).toEqual([
        ["poison", 1],
      ]);
      expect(
        (await api.get(`/v1/http-consumers/${consumer.id}/dead-letters`)).body.data,
      ).toHaveLength(0);
    });

    it("an expired lease at max_deliver also becomes a dead letter", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, {
        stream_id: stream,
        max_deliver: 1,
        ack_wait_ms: 150,
      });
      await upsert(api, stream, [record("slow"), record("next")]);
      const first = await next(api, consumer.id, 1);
      expect(first.data[0]!.record.upstream_id).toBe("slow");
      await sleep(250);
      const second = await next(api, consumer.id, 1);
      // The expired message took the place, went to dead letters, and the lease looked again.
      expect(second.data.map((m) => m.record.upstream_id)).toEqual(["next"]);
      const letters = await api.get(`/v1/http-consumers/${consumer.id}/dead-letters`);
      expect(
        letters.body.data.map((d: { record: { upstream_id: string } }) => d.record.upstream_id),
      ).toEqual(["slow"]);
      expect(
        (await ack(api, consumer.id, [first.data[0]!.ack_token])).unknown_ack_tokens,
      ).toHaveLength(1);
    });
  });

  describe("long-poll", () => {
    it("returns as soon as a record is written", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      const started = Date.now();
      const polling = next(api, consumer.id, 10, 10_000);
      await sleep(200);
      await upsert(api, stream, [record("a")]);
      const res = await polling;
      expect(res.data.map((m) => m.record.upstream_id)).toEqual(["a"]);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it("answers empty after wait_for when nothing comes", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      const started = Date.now();
      const res = await next(api, consumer.id, 10, 400);
      const took = Date.now() - started;
      expect(res.data).toEqual([]);
      expect(took).toBeGreaterThanOrEqual(380);
      expect(took).toBeLessThan(3000);
    });

    it("wakes up when a lease expires", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 300 });
      await upsert(api, stream, [record("a")]);
      await next(api, consumer.id);
      const started = Date.now();
      const res = await next(api, consumer.id, 1, 10_000);
      expect(res.data).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it("wakes up when an ack frees a place under max_ack_pending", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream, max_ack_pending: 1 });
      await upsert(api, stream, [record("a"), record("b")]);
      const held = await next(api, consumer.id);
      const started = Date.now();
      const polling = next(api, consumer.id, 1, 10_000);
      await sleep(200);
      await ack(api, consumer.id, [held.data[0]!.ack_token]);
      const res = await polling;
      expect(res.data.map((m) => m.record.upstream_id)).toEqual(["b"]);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
}
