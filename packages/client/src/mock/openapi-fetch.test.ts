import { describe, expect, it } from "vitest";
import { useSequinMock } from "./test-utils.js";

// The mock through a client typed from the generated paths, as an app's tests would use it.
const t = useSequinMock();

describe("with openapi-fetch", () => {
  it("runs a consumer round trip with typed answers", async () => {
    const consumer = await t.api.POST("/v1/http-consumers", {
      // openapi-typescript types fields with a default as required, hence the explicit "*".
      body: {
        name: "contacts",
        filters: {
          collection_id: "salesforce:contact",
          resource_id: "*",
          provider: "*",
          sync_id: "*",
        },
      },
    });
    expect(consumer.response.status).toBe(201);
    const upsert = await t.api.POST("/v1/streams/{stream_id}/records", {
      params: { path: { stream_id: t.mock.defaultStreamId } },
      body: {
        records: [
          {
            collection_id: "salesforce:contact",
            upstream_id: "003A",
            data: { Name: "Paul" },
            deleted: false,
          },
        ],
      },
    });
    expect(upsert.data?.data[0]?.result).toBe("inserted");
    const next = await t.api.GET("/v1/http-consumers/{consumer}/next", {
      params: { path: { consumer: "contacts" }, query: { batch_size: 10 } },
    });
    const message = next.data?.data[0];
    expect(message && "record" in message ? message.record.data : undefined).toEqual({
      Name: "Paul",
    });
    const ack = await t.api.POST("/v1/http-consumers/{consumer}/ack", {
      params: { path: { consumer: "contacts" } },
      body: { ack_tokens: [message?.ack_token ?? ""] },
    });
    expect(ack.data).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
  });

  it("gives errors in the spec's Error shape", async () => {
    const missing = await t.api.GET("/v1/http-consumers/{consumer}", {
      params: { path: { consumer: "nope" } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ code: "not_found", error: "Consumer not found: nope" });
  });
});
