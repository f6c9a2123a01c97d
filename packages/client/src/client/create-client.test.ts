import { describe, expect, it } from "vitest";
import { fakeFetch, json } from "../../test/support/fake-fetch.js";
import { createClient } from "./create-client.js";

const ACK = { success: true, count: 2, unknown_ack_tokens: [] };

function setup(answer: unknown = {}, status = 200) {
  const fake = fakeFetch(() => json(status, answer));
  const client = createClient({
    baseUrl: "http://sequin.test/api/",
    token: "secret",
    fetch: fake.fetch,
    headers: { "X-Tenant": "acme" },
  });
  const sent = () => {
    const seen = fake.requests.at(-1);
    if (!seen) throw new Error("nothing was sent");
    return {
      method: seen.method,
      path: seen.url.pathname,
      query: Object.fromEntries(seen.url.searchParams),
      body: seen.body,
    };
  };
  return { fake, client, sent };
}

describe("createClient", () => {
  it("requires baseUrl and token", () => {
    expect(() => createClient({ baseUrl: "", token: "t" })).toThrow(/baseUrl/);
    expect(() => createClient({ baseUrl: "http://x", token: "" })).toThrow(/token/);
  });

  it("sends the bearer token and the extra headers", async () => {
    const { fake, client } = setup({ status: "ok", database: "ok" });
    await expect(client.health()).resolves.toEqual({ status: "ok", database: "ok" });
    const headers = fake.requests[0]?.headers;
    expect(headers?.get("authorization")).toBe("Bearer secret");
    expect(headers?.get("x-tenant")).toBe("acme");
  });

  it("adds per-call headers", async () => {
    const { fake, client } = setup({ id: "c" });
    await client.consumers.get("c", { headers: { "X-Trace": "1" } });
    expect(fake.requests[0]?.headers.get("x-trace")).toBe("1");
  });

  it("maps every convenience method to its operation", async () => {
    const { client, sent } = setup({ data: [], next_cursor: null, records: [], count: 0 });
    const cases: [() => Promise<unknown>, ReturnType<typeof sent>][] = [
      [
        () => client.streams.create({ name: "s", event_retention_ms: 60_000 }),
        {
          method: "POST",
          path: "/api/v1/streams",
          query: {},
          body: { name: "s", event_retention_ms: 60_000 },
        },
      ],
      [
        () => client.streams.list({ limit: 5 }).firstPage(),
        { method: "GET", path: "/api/v1/streams", query: { limit: "5" }, body: undefined },
      ],
      [
        () => client.streams.get("s1"),
        { method: "GET", path: "/api/v1/streams/s1", query: {}, body: undefined },
      ],
      [
        () => client.streams.delete("s1"),
        { method: "DELETE", path: "/api/v1/streams/s1", query: {}, body: undefined },
      ],
      [
        () =>
          client.records.upsert("s1", [
            { collection_id: "c", upstream_id: "u", data: {}, deleted: false },
          ]),
        {
          method: "POST",
          path: "/api/v1/streams/s1/records",
          query: {},
          body: { records: [{ collection_id: "c", upstream_id: "u", data: {}, deleted: false }] },
        },
      ],
      [
        () => client.records.list("s1", { collection_id: "x:y" }).firstPage(),
        {
          method: "GET",
          path: "/api/v1/streams/s1/records",
          query: { collection_id: "x:y" },
          body: undefined,
        },
      ],
      [
        () =>
          client.events.append("s1", [
            { collection_id: "c", upstream_id: "u", action: "a", data: {} },
          ]),
        {
          method: "POST",
          path: "/api/v1/streams/s1/events",
          query: {},
          body: { events: [{ collection_id: "c", upstream_id: "u", action: "a", data: {} }] },
        },
      ],
      [
        () => client.events.list("s1").firstPage(),
        { method: "GET", path: "/api/v1/streams/s1/events", query: {}, body: undefined },
      ],
      [
        () => client.consumers.create({ name: "c" }),
        { method: "POST", path: "/api/v1/http-consumers", query: {}, body: { name: "c" } },
      ],
      [
        () => client.consumers.list({ stream_id: "s1" }).firstPage(),
        {
          method: "GET",
          path: "/api/v1/http-consumers",
          query: { stream_id: "s1" },
          body: undefined,
        },
      ],
      [
        () => client.consumers.get("my consumer"),
        { method: "GET", path: "/api/v1/http-consumers/my%20consumer", query: {}, body: undefined },
      ],
      [
        () => client.consumers.update("c", { ack_wait_ms: 60_000 }),
        {
          method: "PATCH",
          path: "/api/v1/http-consumers/c",
          query: {},
          body: { ack_wait_ms: 60_000 },
        },
      ],
      [
        () => client.consumers.delete("c"),
        { method: "DELETE", path: "/api/v1/http-consumers/c", query: {}, body: undefined },
      ],
      [
        () => client.next("c", { batch_size: 10, wait_for: 5_000 }),
        {
          method: "GET",
          path: "/api/v1/http-consumers/c/next",
          query: { batch_size: "10", wait_for: "5000" },
          body: undefined,
        },
      ],
      [
        () => client.ack("c", ["t1", "t2"]),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/ack",
          query: {},
          body: { ack_tokens: ["t1", "t2"] },
        },
      ],
      [
        () => client.nack("c", ["t1"]),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/nack",
          query: {},
          body: { ack_tokens: ["t1"] },
        },
      ],
      [
        () => client.nack("c", ["t1"], { delay_ms: 10_000, reason: "db down" }),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/nack",
          query: {},
          body: { delay_ms: 10_000, reason: "db down", ack_tokens: ["t1"] },
        },
      ],
      [
        () => client.term("c", ["t1"], { reason: "no email" }),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/term",
          query: {},
          body: { reason: "no email", ack_tokens: ["t1"] },
        },
      ],
      [
        () => client.consumers.rewind("c", { from_seq: 7 }),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/rewind",
          query: {},
          body: { from_seq: 7 },
        },
      ],
      [
        () => client.consumers.rewind("c"),
        { method: "POST", path: "/api/v1/http-consumers/c/rewind", query: {}, body: {} },
      ],
      [
        () => client.extendLeases("c", ["t1"], { extend_ms: 10_000 }),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/extend",
          query: {},
          body: { extend_ms: 10_000, ack_tokens: ["t1"] },
        },
      ],
      [
        () => client.deadLetters.list("c").firstPage(),
        {
          method: "GET",
          path: "/api/v1/http-consumers/c/dead-letters",
          query: {},
          body: undefined,
        },
      ],
      [
        () => client.deadLetters.redrive("c", { ids: ["1"] }),
        {
          method: "POST",
          path: "/api/v1/http-consumers/c/dead-letters/redrive",
          query: {},
          body: { ids: ["1"] },
        },
      ],
      [
        () =>
          client.runMutation({
            kind: "delete",
            collection_id: "x",
            upstream_ids: ["1"],
            await_consumers_timeout: 0,
          }),
        {
          method: "POST",
          path: "/api/v1/mutations/run",
          query: {},
          body: {
            kind: "delete",
            collection_id: "x",
            upstream_ids: ["1"],
            await_consumers_timeout: 0,
          },
        },
      ],
    ];
    for (const [call, expected] of cases) {
      await call();
      expect(sent()).toEqual(expected);
    }
  });

  it("returns the data, unwrapped", async () => {
    const { client } = setup(ACK);
    await expect(client.ack("c", ["t1", "t2"])).resolves.toEqual(ACK);
  });

  it("unwraps list-shaped answers of upsert and append", async () => {
    const results = [
      { id: "r", collection_id: "c", upstream_id: "u", updated_idx: 1, result: "inserted" },
    ];
    const { client } = setup({ data: results });
    await expect(client.records.upsert("s", [])).resolves.toEqual(results);
    await expect(client.events.append("s", [])).resolves.toEqual(results);
  });

  it("answers an empty ack, nack, term or extend locally", async () => {
    const { fake, client } = setup(ACK);
    const nothing = { success: true, count: 0, unknown_ack_tokens: [] };
    await expect(client.ack("c", [])).resolves.toEqual(nothing);
    await expect(client.nack("c", [])).resolves.toEqual(nothing);
    await expect(client.term("c", [])).resolves.toEqual(nothing);
    await expect(client.extendLeases("c", [])).resolves.toEqual(nothing);
    expect(fake.requests).toHaveLength(0);
  });
});
