import { describe, expect, it } from "vitest";
import { useSequinMock } from "../test-utils.js";

// The default clock: real time. Long-polls end by wall-clock time unless the test advances it.
const t = useSequinMock();

describe("real-time clock (default)", () => {
  it("a long-poll with nothing to lease answers empty after wait_for", async () => {
    t.mock.seed.consumer({ name: "c" });
    const res = await t.call("GET", "/v1/http-consumers/c/next?wait_for=30");
    expect(res.body.data).toEqual([]);
  });

  it("a long-poll answers when a record arrives, well before a 60 s wait_for", async () => {
    t.mock.seed.consumer({ name: "c" });
    const pending = t.call("GET", "/v1/http-consumers/c/next?wait_for=60000");
    await t.mock.whenWaiting(1);
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    expect((await pending).body.data).toHaveLength(1);
  });

  it("advance() also works on the real clock: it expires leases at once", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 30_000 });
    await t.call("GET", "/v1/http-consumers/c/next");
    const pending = t.call("GET", "/v1/http-consumers/c/next?wait_for=60000");
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(30_000);
    expect((await pending).body.data[0].deliver_count).toBe(2);
  });
});
