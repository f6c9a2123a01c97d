import type { HttpHandler } from "msw";
import {
  zAckMessagesBody,
  zExtendLeasesBody,
  zGetConsumerPath,
  zListDeadLettersQuery,
  zNackMessagesBody,
  zPeekMessagesQuery,
  zReceiveMessagesPostBody,
  zReceiveMessagesQuery,
  zRedriveDeadLettersBody,
  zRewindConsumerBody,
  zTerminateMessagesBody,
} from "../../generated/zod.gen.js";
import { findConsumer } from "../consumers/consumers.js";
import { rewindConsumer } from "../consumers/rewind.js";
import { onlySent, parseBody, parseParamsBody, parsePath, parseQuery } from "../http/validation.js";
import { checkAckTokens } from "../leases/ack-tokens.js";
import { listDeadLetters, redriveDeadLetters } from "../leases/dead-letters.js";
import { ackMessages, extendLeases, nackMessages, terminateMessages } from "../leases/leases.js";
import { peekMessages } from "../leases/peek.js";
import { receiveMessages } from "../leases/receive.js";
import type { MockContext } from "../state/context.js";
import type { RouteRequest, Router } from "./route.js";

/** The Consume API (next, ack, nack, term, extend, peek, rewind) and dead letters. */
export function consumeHandlers(ctx: MockContext, router: Router): HttpHandler[] {
  // Path parameters are checked before the body; the consumer is looked up after both.
  const consumerOf = (req: RouteRequest) =>
    findConsumer(ctx, req.accountId, req.params.consumer ?? "");
  const nextQuery = (req: RouteRequest) => parseQuery(zReceiveMessagesQuery, req.url);
  return [
    router.route("get", "/v1/http-consumers/{consumer}/next", {}, async (req) => {
      const { consumer } = parsePath(zGetConsumerPath, req.params);
      const query = nextQuery(req);
      return {
        status: 200,
        body: await receiveMessages(ctx, req.accountId, consumer, query, req.request.signal),
      };
    }),
    router.route(
      "post",
      "/v1/http-consumers/{consumer}/next",
      { body: "optional" },
      async (req) => {
        const { consumer } = parsePath(zGetConsumerPath, req.params);
        const query = nextQuery(req);
        // Parameters may come in the query or the body; the body wins, field by field.
        const body = req.hasBody
          ? onlySent(parseParamsBody(zReceiveMessagesPostBody, req.body), req.body)
          : {};
        const params = { ...query, ...body };
        return {
          status: 200,
          body: await receiveMessages(ctx, req.accountId, consumer, params, req.request.signal),
        };
      },
    ),
    router.route("post", "/v1/http-consumers/{consumer}/ack", { body: "required" }, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const { ack_tokens } = parseBody(zAckMessagesBody, req.body);
      checkAckTokens(ack_tokens);
      return { status: 200, body: ackMessages(ctx, consumerOf(req), ack_tokens) };
    }),
    router.route("post", "/v1/http-consumers/{consumer}/nack", { body: "required" }, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const { ack_tokens, delay_ms, reason } = parseBody(zNackMessagesBody, req.body);
      checkAckTokens(ack_tokens);
      return {
        status: 200,
        body: nackMessages(ctx, consumerOf(req), ack_tokens, { delay_ms, reason }),
      };
    }),
    router.route("post", "/v1/http-consumers/{consumer}/term", { body: "required" }, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const { ack_tokens, reason } = parseBody(zTerminateMessagesBody, req.body);
      checkAckTokens(ack_tokens);
      return { status: 200, body: terminateMessages(ctx, consumerOf(req), ack_tokens, reason) };
    }),
    router.route("post", "/v1/http-consumers/{consumer}/rewind", { body: "optional" }, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const input = req.hasBody ? parseBody(zRewindConsumerBody, req.body) : {};
      return { status: 200, body: rewindConsumer(ctx, consumerOf(req), input) };
    }),
    router.route("post", "/v1/http-consumers/{consumer}/extend", { body: "required" }, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const body = parseBody(zExtendLeasesBody, req.body);
      checkAckTokens(body.ack_tokens);
      const { extend_ms } = onlySent(body, req.body);
      return { status: 200, body: extendLeases(ctx, consumerOf(req), body.ack_tokens, extend_ms) };
    }),
    router.route("get", "/v1/http-consumers/{consumer}/messages", {}, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const { limit } = parseQuery(zPeekMessagesQuery, req.url);
      return { status: 200, body: peekMessages(ctx, consumerOf(req), limit) };
    }),
    router.route("get", "/v1/http-consumers/{consumer}/dead-letters", {}, (req) => {
      parsePath(zGetConsumerPath, req.params);
      const query = parseQuery(zListDeadLettersQuery, req.url);
      return { status: 200, body: listDeadLetters(ctx, consumerOf(req), query) };
    }),
    router.route(
      "post",
      "/v1/http-consumers/{consumer}/dead-letters/redrive",
      { body: "optional" },
      (req) => {
        parsePath(zGetConsumerPath, req.params);
        const { ids } = req.hasBody
          ? parseBody(zRedriveDeadLettersBody, req.body)
          : { ids: undefined };
        return { status: 200, body: redriveDeadLetters(ctx, consumerOf(req), ids) };
      },
    ),
  ];
}
