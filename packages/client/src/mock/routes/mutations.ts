import type { HttpHandler } from "msw";
import { apiInfo } from "../../generated/routes.gen.js";
import { zRunMutationBody } from "../../generated/zod.gen.js";
import type { Answer } from "../http/idempotency.js";
import { parseBody } from "../http/validation.js";
import {
  awaitMutation,
  prepareMutation,
  type WrittenMutation,
  writeMutation,
} from "../mutations/mutations.js";
import type { MockContext } from "../state/context.js";
import type { Router } from "./route.js";

/** The Mutation API, the index and the health check. */
export function mutationHandlers(ctx: MockContext, router: Router): HttpHandler[] {
  return [
    router.route("post", "/v1/mutations/run", { body: "required" }, async (req) => {
      const input = parseBody(zRunMutationBody, req.body);
      // As on the server: the key protects the write; the await settings may change on a retry,
      // which then writes nothing and waits again.
      const { await_consumer_ids: _ids, await_consumers_timeout: _timeout, ...write } = input;
      const prepared = prepareMutation(ctx, req.accountId, input);
      const written = await req.idempotent(
        async (): Promise<Answer & { body: WrittenMutation }> => ({
          status: 200,
          body: writeMutation(ctx, prepared),
        }),
        write,
      );
      await awaitMutation(ctx, prepared, written.body, req.request.signal);
      return {
        status: 200 as const,
        body: { records: written.body.records },
        ...(written.headers ? { headers: written.headers } : {}),
      };
    }),
    router.route("get", "/", { auth: false }, () => ({
      status: 200,
      body: {
        name: apiInfo.title,
        version: apiInfo.version,
        links: { docs: "/docs", console: "/console" },
      },
    })),
    router.route("get", "/health", { auth: false }, () => ({
      status: 200,
      body: { status: "ok" as const, database: "ok" as const },
    })),
  ];
}
