import { describe, expect, it } from "vitest";
import { checkRoute } from "./route-rules.js";

const next = "/v1/http-consumers/c/next";
const query = (q: string) => new URLSearchParams(q);

describe("checkRoute", () => {
  it("refuses NUL in any occurrence of a repeated parameter (found by the fuzzer)", () => {
    expect(checkRoute("POST", next, query("batch_size=5&batch_size=%00"))).toEqual({
      kind: "params",
      problems: [{ path: "batch_size", message: expect.stringContaining("must not contain") }],
    });
  });

  it("names an unknown parameter once however often it is repeated", () => {
    expect(checkRoute("GET", next, query("batchsize=1&batchsize=2"))).toEqual({
      kind: "params",
      problems: [{ path: "batchsize", message: "Unknown parameter" }],
    });
  });

  it("lets declared parameters through", () => {
    expect(checkRoute("GET", next, query("batch_size=5&wait_for=10"))).toEqual({ kind: "ok" });
  });
});
