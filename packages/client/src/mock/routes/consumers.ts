import type { HttpHandler } from "msw";
import {
  zCreateConsumerBody,
  zGetConsumerPath,
  zListConsumersQuery,
  zUpdateConsumerBody,
} from "../../generated/zod.gen.js";
import {
  createConsumer,
  deleteConsumer,
  findConsumer,
  listConsumers,
  updateConsumer,
} from "../consumers/consumers.js";
import { onlySent, parseBody, parsePath, parseQuery } from "../http/validation.js";
import type { MockContext } from "../state/context.js";
import type { Router } from "./route.js";

/** The Management API of HTTP consumers (`{consumer}` is an id or a name). */
export function consumerHandlers(ctx: MockContext, router: Router): HttpHandler[] {
  return [
    router.route("post", "/v1/http-consumers", { body: "required" }, (req) => {
      const input = parseBody(zCreateConsumerBody, req.body);
      return req.idempotent(async () => ({
        status: 201 as const,
        body: createConsumer(ctx, req.accountId, input),
      }));
    }),
    router.route("get", "/v1/http-consumers", {}, (req) => {
      const query = parseQuery(zListConsumersQuery, req.url);
      return { status: 200, body: listConsumers(ctx, req.accountId, query) };
    }),
    router.route("get", "/v1/http-consumers/{consumer}", {}, (req) => {
      const { consumer } = parsePath(zGetConsumerPath, req.params);
      return { status: 200, body: findConsumer(ctx, req.accountId, consumer).consumer };
    }),
    router.route("patch", "/v1/http-consumers/{consumer}", { body: "required" }, (req) => {
      const { consumer } = parsePath(zGetConsumerPath, req.params);
      const input = onlySent(parseBody(zUpdateConsumerBody, req.body), req.body);
      return { status: 200, body: updateConsumer(ctx, req.accountId, consumer, input) };
    }),
    router.route("delete", "/v1/http-consumers/{consumer}", {}, (req) => {
      const { consumer } = parsePath(zGetConsumerPath, req.params);
      return { status: 200, body: deleteConsumer(ctx, req.accountId, consumer) };
    }),
  ];
}
