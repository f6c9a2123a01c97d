import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSequinMock } from "./create-sequin-mock.js";
import { rawCall } from "./test-utils.js";

// Two mocks in one process, on two base URLs, and again one after the other inside server.boundary.
const one = createSequinMock({ baseUrl: "http://one.test" });
const two = createSequinMock({ baseUrl: "http://two.test/api/" });
const server = setupServer(...one.handlers, ...two.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("two mocks", () => {
  it("never share data, counters or tokens", async () => {
    one.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    const res = await rawCall(
      "http://two.test/api",
      two.token,
      "POST",
      `/v1/streams/${two.defaultStreamId}/records`,
      {
        body: { records: [{ collection_id: "c", upstream_id: "1", data: {} }] },
      },
    );
    // Each mock counts its own updated_idx from 1.
    expect(res.body.data[0]).toMatchObject({ result: "inserted", updated_idx: 1 });
    expect(one.records()).toHaveLength(1);
    expect(two.records()).toHaveLength(1);
    expect(one.records()[0]?.id).not.toBe(two.records()[0]?.id);
    const other = two.createAccount({ token: "only-in-two" });
    const cross = await rawCall("http://one.test", other, "GET", "/v1/streams");
    expect(cross.status).toBe(401);
  });

  it("work inside server.boundary with handlers of a fresh mock", async () => {
    const run = server.boundary(async () => {
      const scoped = createSequinMock({ baseUrl: "http://one.test" });
      server.use(...scoped.handlers);
      const res = await rawCall("http://one.test", scoped.token, "GET", "/v1/http-consumers");
      return { res, scoped };
    });
    one.seed.consumer({ name: "outside" });
    const { res } = await run();
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    // Outside the boundary the first mock answers again.
    const outside = await rawCall("http://one.test", one.token, "GET", "/v1/http-consumers");
    expect(outside.body.data.map((c: { name: string }) => c.name)).toEqual(["outside"]);
  });
});
