import type { HttpHandler } from "msw";
import { zRunMutationBody } from "../../generated/zod.gen.js";
import type { MockContext } from "../context.js";
import { runMutation } from "../mutations.js";
import type { Router } from "../route.js";
import { parseBody } from "../validation.js";

/** The Mutation API, and the health check. */
export function mutationHandlers(ctx: MockContext, router: Router): HttpHandler[] {
  return [
    router.route("post", "/v1/mutations/run", { body: "required" }, (req) => {
      const input = parseBody(zRunMutationBody, req.body);
      return req.idempotent(async () => ({
        status: 200 as const,
        body: await runMutation(ctx, req.accountId, input, req.request.signal),
      }));
    }),
    router.route("get", "/health", { auth: false }, () => ({
      status: 200,
      body: { status: "ok" as const, database: "ok" as const },
    })),
  ];
}
