import { describe, expect, it } from "vitest";
import { fakeFetch, json } from "../../test/support/fake-fetch.js";
import { createClient } from "./create-client.js";

function consumer(id: string) {
  return { id, name: id };
}

function pagedClient() {
  const fake = fakeFetch(
    () => json(200, { data: [consumer("a"), consumer("b")], next_cursor: "p2" }),
    () => json(200, { data: [consumer("c")], next_cursor: "p3" }),
    () => json(200, { data: [consumer("d")], next_cursor: null }),
  );
  const client = createClient({ baseUrl: "http://sequin.test", token: "t", fetch: fake.fetch });
  return { fake, client };
}

describe("paginated lists", () => {
  it("walks every page by next_cursor with for await", async () => {
    const { fake, client } = pagedClient();
    const ids: string[] = [];
    for await (const c of client.consumers.list({ limit: 2 })) ids.push(c.id);
    expect(ids).toEqual(["a", "b", "c", "d"]);
    expect(fake.requests.map((r) => r.url.search)).toEqual([
      "?limit=2",
      "?limit=2&cursor=p2",
      "?limit=2&cursor=p3",
    ]);
  });

  it("requests nothing until used, and only one page for firstPage()", async () => {
    const { fake, client } = pagedClient();
    const list = client.consumers.list();
    expect(fake.requests).toHaveLength(0);
    const page = await list.firstPage();
    expect(page.data.map((c) => c.id)).toEqual(["a", "b"]);
    expect(page.next_cursor).toBe("p2");
    expect(fake.requests).toHaveLength(1);
  });

  it("starts at the cursor it is given", async () => {
    const fake = fakeFetch(() => json(200, { data: [], next_cursor: null }));
    const client = createClient({ baseUrl: "http://sequin.test", token: "t", fetch: fake.fetch });
    await client.deadLetters.list("c", { cursor: "xyz" }).toArray();
    expect(fake.requests[0]?.url.pathname).toBe("/v1/http-consumers/c/dead-letters");
    expect(fake.requests[0]?.url.searchParams.get("cursor")).toBe("xyz");
  });

  it("stops early when the loop breaks", async () => {
    const { fake, client } = pagedClient();
    for await (const c of client.consumers.list()) {
      if (c.id === "b") break;
    }
    expect(fake.requests).toHaveLength(1);
  });

  it("yields page by page with pages()", async () => {
    const { client } = pagedClient();
    const sizes: number[] = [];
    for await (const page of client.consumers.list().pages()) sizes.push(page.data.length);
    expect(sizes).toEqual([2, 1, 1]);
  });

  it("refuses to loop on a server that returns the same cursor", async () => {
    const fake = fakeFetch(() => json(200, { data: [consumer("a")], next_cursor: "same" }));
    const client = createClient({ baseUrl: "http://sequin.test", token: "t", fetch: fake.fetch });
    await expect(client.streams.list().toArray()).rejects.toThrow(/cursor it was given/);
    expect(fake.requests).toHaveLength(2);
  });
});
