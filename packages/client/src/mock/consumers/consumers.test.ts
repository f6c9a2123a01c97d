import { describe, expect, it } from "vitest";
import { zConsumer, zConsumerList } from "../../generated/zod.gen.js";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const record = (
  collection_id: string,
  upstream_id: string,
  extra: Record<string, unknown> = {},
) => ({
  collection_id,
  upstream_id,
  data: { upstream_id },
  ...extra,
});
const leaseAll = async (consumer: string) => {
  const next = await t.call("GET", `/v1/http-consumers/${consumer}/next?batch_size=1000`);
  return next.body.data as Array<{ record?: { upstream_id: string }; event?: { action: string } }>;
};

describe("consumer management", () => {
  it("creates with the documented defaults on the default stream", async () => {
    const created = await t.call("POST", "/v1/http-consumers", { body: { name: "orders" } });
    expect(created.status).toBe(201);
    expect(zConsumer.safeParse(created.body).success).toBe(true);
    expect(created.body).toMatchObject({
      name: "orders",
      stream_id: t.mock.defaultStreamId,
      kind: "record",
      deliver_policy: "all",
      ack_wait_ms: 30000,
      max_deliver: -1,
      max_ack_pending: 1000,
      backoff_ms: [0, 1000, 5000, 30000],
      paused: false,
      paused_until: null,
      metadata: {},
      filters: { collection_id: "*", resource_id: "*", provider: "*", sync_id: "*" },
    });
  });

  it("gets, updates and deletes by id or by name", async () => {
    const { body: consumer } = await t.call("POST", "/v1/http-consumers", { body: { name: "c1" } });
    const byName = await t.call("GET", "/v1/http-consumers/c1");
    const byId = await t.call("GET", `/v1/http-consumers/${consumer.id}`);
    expect(byName.body).toEqual(consumer);
    expect(byId.body).toEqual(consumer);
    const patched = await t.call("PATCH", "/v1/http-consumers/c1", {
      body: { name: "c2", ack_wait_ms: 60000, filters: { collection_id: "a:b" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: consumer.id,
      name: "c2",
      ack_wait_ms: 60000,
      filters: { collection_id: "a:b", resource_id: "*" },
    });
    expect((await t.call("GET", "/v1/http-consumers/c1")).status).toBe(404);
    const deleted = await t.call("DELETE", "/v1/http-consumers/c2");
    expect(deleted.body).toEqual({ id: consumer.id, deleted: true });
    const gone = await t.call("GET", `/v1/http-consumers/${consumer.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      code: "not_found",
      error: `Consumer not found: ${consumer.id}`,
    });
  });

  it("refuses a taken name (409), an unknown stream (404) and invalid fields (422)", async () => {
    await t.call("POST", "/v1/http-consumers", { body: { name: "dup" } });
    const dup = await t.call("POST", "/v1/http-consumers", { body: { name: "dup" } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("conflict");
    await t.call("POST", "/v1/http-consumers", { body: { name: "other" } });
    const rename = await t.call("PATCH", "/v1/http-consumers/other", { body: { name: "dup" } });
    expect(rename.status).toBe(409);
    const stream = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", stream_id: "00000000-0000-4000-8000-000000000000" },
    });
    expect(stream.status).toBe(404);
    const zero = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", max_deliver: 0 },
    });
    expect(zero.status).toBe(422);
    expect(zero.body.details).toEqual([{ path: "max_deliver", message: expect.any(String) }]);
    const unknown = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", colour: "red" },
    });
    expect(unknown.body).toMatchObject({
      code: "validation_failed",
      details: [{ path: "colour" }],
    });
    const badName = await t.call("POST", "/v1/http-consumers", { body: { name: "-bad name" } });
    expect(badName.body).toMatchObject({ code: "validation_failed", details: [{ path: "name" }] });
    const empty = await t.call("PATCH", "/v1/http-consumers/dup", { body: {} });
    expect(empty.status).toBe(422);
  });

  it("lists oldest first, pages, and filters by stream", async () => {
    const other = t.mock.seed.stream({ name: "other" });
    for (const name of ["a", "b", "c"])
      await t.call("POST", "/v1/http-consumers", { body: { name } });
    await t.call("POST", "/v1/http-consumers", { body: { name: "d", stream_id: other.id } });
    const page = await t.call("GET", "/v1/http-consumers?limit=2");
    expect(zConsumerList.safeParse(page.body).success).toBe(true);
    expect(page.body.data.map((c: { name: string }) => c.name)).toEqual(["a", "b"]);
    const rest = await t.call("GET", `/v1/http-consumers?limit=2&cursor=${page.body.next_cursor}`);
    expect(rest.body.data.map((c: { name: string }) => c.name)).toEqual(["c", "d"]);
    const onOther = await t.call("GET", `/v1/http-consumers?stream_id=${other.id}`);
    expect(onOther.body.data.map((c: { name: string }) => c.name)).toEqual(["d"]);
  });

  it("deletes a stream only once it has no consumers", async () => {
    const stream = t.mock.seed.stream({ name: "s" });
    await t.call("POST", "/v1/http-consumers", { body: { name: "c", stream_id: stream.id } });
    expect((await t.call("DELETE", `/v1/streams/${stream.id}`)).status).toBe(409);
    await t.call("DELETE", "/v1/http-consumers/c");
    const deleted = await t.call("DELETE", `/v1/streams/${stream.id}`);
    expect(deleted.body).toEqual({ id: stream.id, deleted: true });
  });
});

describe("filters, deliver_policy and kind", () => {
  it("ANDs exact filters; * matches anything", async () => {
    t.mock.seed.records([
      record("salesforce:contact", "1", { provider: "salesforce", resource_id: "r1" }),
      record("salesforce:contact", "2", { provider: "salesforce", resource_id: "r2" }),
      record("salesforce:account", "3", { provider: "salesforce", resource_id: "r1" }),
      record("salesforce:contact", "4", {
        provider: "salesforce",
        resource_id: "r1",
        sync: { id: "s9" },
      }),
    ]);
    t.mock.seed.consumer({ name: "all" });
    t.mock.seed.consumer({ name: "contacts", filters: { collection_id: "salesforce:contact" } });
    t.mock.seed.consumer({
      name: "r1",
      filters: { collection_id: "salesforce:contact", resource_id: "r1" },
    });
    t.mock.seed.consumer({ name: "sync", filters: { sync_id: "s9" } });
    const ids = async (c: string) => (await leaseAll(c)).map((m) => m.record?.upstream_id);
    expect(await ids("all")).toEqual(["1", "2", "3", "4"]);
    expect(await ids("contacts")).toEqual(["1", "2", "4"]);
    expect(await ids("r1")).toEqual(["1", "4"]);
    expect(await ids("sync")).toEqual(["4"]);
  });

  it("deliver_policy all gets what is there; new only later writes", async () => {
    t.mock.seed.records([record("a", "old")]);
    t.mock.seed.consumer({ name: "all", deliver_policy: "all" });
    t.mock.seed.consumer({ name: "new", deliver_policy: "new" });
    t.mock.seed.records([record("a", "later")]);
    expect((await leaseAll("all")).map((m) => m.record?.upstream_id)).toEqual(["old", "later"]);
    expect((await leaseAll("new")).map((m) => m.record?.upstream_id)).toEqual(["later"]);
  });

  it("an event consumer receives events, including appended ones, and no records", async () => {
    t.mock.seed.records([record("a", "1")]);
    t.mock.seed.consumer({ name: "ev", kind: "event", ordering: "none" });
    t.mock.seed.records([record("a", "1", { data: { changed: true } })]);
    t.mock.seed.events([{ collection_id: "a", action: "custom", data: {} }]);
    const messages = await leaseAll("ev");
    expect(messages.map((m) => m.event?.action)).toEqual(["created", "updated", "custom"]);
    expect(messages.every((m) => m.record === undefined)).toBe(true);
  });

  it("new filters apply to later writes only", async () => {
    t.mock.seed.consumer({ name: "c", filters: { collection_id: "a" } });
    t.mock.seed.records([record("a", "1"), record("b", "2")]);
    await t.call("PATCH", "/v1/http-consumers/c", { body: { filters: { collection_id: "b" } } });
    t.mock.seed.records([record("a", "3"), record("b", "4")]);
    expect((await leaseAll("c")).map((m) => m.record?.upstream_id)).toEqual(["1", "4"]);
  });
});
