// Regression (found by the fuzzer of tests/reliability): a consumer id or name with a NUL
// character reached Postgres, which cannot store NUL in text, and came back as a 422
// validation_failed that getConsumer and deleteConsumer do not declare. No consumer can have
// such a name, and the request is refused as bad input before any lookup.
import { expect, it } from "vitest";
import { newAccount, serverTest } from "./helpers/server.js";

const { db, server } = await serverTest();

it("a consumer reference with a NUL character is a 400 naming it on every consumer route", async () => {
  const { api } = await newAccount(db, server);
  for (const ref of ["a%00b", "%00"]) {
    const c = `/v1/http-consumers/${ref}`;
    for (const [method, path, body] of [
      ["GET", c],
      ["PATCH", c, { ack_wait_ms: 1000 }],
      ["DELETE", c],
      ["GET", `${c}/next`],
      ["POST", `${c}/ack`, { ack_tokens: ["MTYyeJ7abUjl1pOMTYyeJ7abUjl1pOx"] }],
      ["GET", `${c}/dead-letters`],
    ] as const) {
      const res = await api.call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.code).toBe("bad_request");
      expect(res.body.details).toEqual([
        { path: "consumer", message: "must not contain NUL characters" },
      ]);
    }
  }
});
