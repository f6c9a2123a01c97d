import { describe, expect, it } from "vitest";
import { zError, zMutationResponse } from "../../generated/zod.gen.js";
import { tick, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const run = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  t.call("POST", "/v1/mutations/run", { body, headers });
const contacts = () => t.mock.records().filter((r) => r.collection_id === "salesforce:contact");

describe("mutations", () => {
  it("create gives each record a new upstream_id and upstream timestamps", async () => {
    const res = await run({
      kind: "create",
      collection_id: "salesforce:contact",
      records: [{ data: { Name: "Paul" } }, { data: { Name: "Jessica" } }],
    });
    expect(res.status).toBe(200);
    expect(zMutationResponse.safeParse(res.body).success).toBe(true);
    const [paul, jessica] = res.body.records;
    expect(paul).toMatchObject({ data: { Name: "Paul" }, provider: "salesforce", deleted: false });
    expect(paul.upstream_id).not.toBe(jessica.upstream_id);
    expect(paul.upstream_updated_at).toBe(t.mock.clock.now().toISOString());
    expect(paul.upstream_created_at).toBe(paul.upstream_updated_at);
    expect(contacts()).toHaveLength(2);
  });

  it("update merges data partially; delete sets deleted; both make new versions", async () => {
    t.mock.seed.records([
      { collection_id: "salesforce:contact", upstream_id: "p", data: { Name: "Paul", Age: 15 } },
    ]);
    const updated = await run({
      kind: "update",
      collection_id: "salesforce:contact",
      records: [{ upstream_id: "p", data: { Age: 16 } }],
    });
    expect(updated.body.records[0]).toMatchObject({
      data: { Name: "Paul", Age: 16 },
      updated_idx: 2,
    });
    const deleted = await run({
      kind: "delete",
      collection_id: "salesforce:contact",
      upstream_ids: ["p"],
    });
    expect(deleted.body.records[0]).toMatchObject({
      deleted: true,
      updated_idx: 3,
      data: { Age: 16 },
    });
    expect(t.mock.events().map((e) => e.action)).toEqual(["created", "updated", "deleted"]);
  });

  it("rejects unknown upstream ids (404) and writes nothing", async () => {
    t.mock.seed.records([
      { collection_id: "salesforce:contact", upstream_id: "p", data: { v: 1 } },
    ]);
    const res = await run({
      kind: "update",
      collection_id: "salesforce:contact",
      records: [
        { upstream_id: "p", data: { v: 2 } },
        { upstream_id: "ghost", data: { v: 2 } },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
    expect(res.body.error).toContain("ghost");
    expect(contacts()[0]?.data).toEqual({ v: 1 });
    const del = await run({
      kind: "delete",
      collection_id: "salesforce:contact",
      upstream_ids: ["ghost"],
    });
    expect(del.status).toBe(404);
  });

  it("restricts updates to the sync named by sync_id", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "p", data: {}, sync: { id: "s1" } }]);
    const other = await run({
      kind: "update",
      collection_id: "c",
      sync_id: "s2",
      records: [{ upstream_id: "p", data: {} }],
    });
    expect(other.status).toBe(404);
    const same = await run({
      kind: "update",
      collection_id: "c",
      sync_id: "s1",
      records: [{ upstream_id: "p", data: { x: 1 } }],
    });
    expect(same.status).toBe(200);
  });

  it("answers 422 naming the field for requests that do not fit their kind", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: "create", collection_id: "c" }, "records"],
      [
        { kind: "create", collection_id: "c", records: [{ upstream_id: "x", data: {} }] },
        "records.0.upstream_id",
      ],
      [{ kind: "update", collection_id: "c", records: [{ data: {} }] }, "records.0.upstream_id"],
      [{ kind: "delete", collection_id: "c" }, "upstream_ids"],
      [
        { kind: "delete", collection_id: "c", upstream_ids: ["x"], records: [{ data: {} }] },
        "records",
      ],
      [{ kind: "create", collection_id: "c", records: [] }, "records"],
      [{ kind: "rename", collection_id: "c" }, "kind"],
    ];
    for (const [body, path] of cases) {
      const res = await run(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(t.mock.records()).toHaveLength(0);
  });

  it("404 for an unknown consumer in await_consumer_ids, before writing", async () => {
    const res = await run({
      kind: "create",
      collection_id: "c",
      records: [{ data: {} }],
      await_consumer_ids: ["nobody"],
    });
    expect(res.status).toBe(404);
    expect(t.mock.records()).toHaveLength(0);
  });
});

describe("await_consumer_ids", () => {
  it("answers once the consumer acked the produced version", async () => {
    const consumer = t.mock.seed.consumer({ name: "worker" });
    let done = false;
    const pending = run({
      kind: "create",
      collection_id: "c",
      records: [{ data: { a: 1 } }],
      await_consumer_ids: [consumer.id],
    }).then((res) => {
      done = true;
      return res;
    });
    await t.mock.whenWaiting(1);
    const leased = await t.call("GET", "/v1/http-consumers/worker/next");
    await tick(10);
    expect(done).toBe(false);
    await t.call("POST", "/v1/http-consumers/worker/ack", {
      body: { ack_tokens: [leased.body.data[0].ack_token] },
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.records[0].data).toEqual({ a: 1 });
  });

  it("an ack of an older version does not count; the newer one does", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "p", data: { v: 1 } }]);
    t.mock.seed.consumer({ name: "worker" });
    const old = await t.call("GET", "/v1/http-consumers/worker/next");
    let done = false;
    const pending = run({
      kind: "update",
      collection_id: "c",
      records: [{ upstream_id: "p", data: { v: 2 } }],
      await_consumer_ids: ["worker"],
    }).then((res) => {
      done = true;
      return res;
    });
    await t.mock.whenWaiting(1);
    await t.call("POST", "/v1/http-consumers/worker/ack", {
      body: { ack_tokens: [old.body.data[0].ack_token] },
    });
    await tick(10);
    expect(done).toBe(false);
    const fresh = await t.call("GET", "/v1/http-consumers/worker/next");
    expect(fresh.body.data[0].record.data).toEqual({ v: 2 });
    await t.call("POST", "/v1/http-consumers/worker/ack", {
      body: { ack_tokens: [fresh.body.data[0].ack_token] },
    });
    expect((await pending).status).toBe(200);
  });

  it("a consumer that filters the record out counts as done", async () => {
    t.mock.seed.consumer({ name: "others", filters: { collection_id: "other" } });
    const res = await run({
      kind: "create",
      collection_id: "c",
      records: [{ data: {} }],
      await_consumer_ids: ["others"],
    });
    expect(res.status).toBe(200);
  });

  it("times out with a 500 naming the consumers that did not ack, with the records written", async () => {
    const a = t.mock.seed.consumer({ name: "a" });
    const b = t.mock.seed.consumer({ name: "b" });
    t.mock.seed.consumer({ name: "quick" });
    const pending = run({
      kind: "create",
      collection_id: "c",
      records: [{ data: { x: 1 } }],
      await_consumer_ids: [a.id, "quick", b.id],
      await_consumers_timeout: 5000,
    });
    await t.mock.whenWaiting(1);
    const leased = await t.call("GET", "/v1/http-consumers/quick/next");
    await t.call("POST", "/v1/http-consumers/quick/ack", {
      body: { ack_tokens: [leased.body.data[0].ack_token] },
    });
    t.mock.clock.advance(5000);
    const res = await pending;
    expect(res.status).toBe(500);
    expect(zError.safeParse(res.body).success).toBe(true);
    expect(res.body.error).toBe(`Error: Timed out waiting for consumers: ${a.id}, ${b.id}`);
    expect(res.body.code).toBe("consumers_timeout");
    expect(res.body.records).toHaveLength(1);
    expect(res.body.records[0].data).toEqual({ x: 1 });
    expect(t.mock.records()).toHaveLength(1);
  });
});
