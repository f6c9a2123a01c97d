import {
  zAckMessagesBody,
  zExtendLeasesBody,
  zListDeadLettersQuery,
  zNackMessagesBody,
  zReceiveMessagesPostBody,
  zReceiveMessagesQuery,
  zRedriveDeadLettersBody,
  zRewindConsumerBody,
  zTerminateMessagesBody,
} from "@sequin/client/schemas";
import { type Request, type Response, Router } from "express";
import { consumerRef } from "../consumers/consumer-ref.js";
import { resolveConsumer } from "../consumers/service.js";
import { listDeadLetters, redrive } from "../dead-letters/service.js";
import { requireJson } from "../http/body.js";
import { decodeCursor, page } from "../http/cursor.js";
import type { RouteDeps } from "../http/route-deps.js";
import { parseBody, parseParamsBody, parseQuery } from "../http/validate.js";
import { type ConsumeMetrics, noConsumeMetrics } from "../metrics/metrics.js";
import { decodeAckTokens } from "./ack-token.js";
import { receive } from "./receive.js";
import { rewind } from "./rewind.js";
import { ack, extend, nack, term } from "./settle.js";
import type { LeaseTarget } from "./types.js";

/** The account, the consumer named in the path, and the token for the statement to check. */
const target = (req: Request): LeaseTarget => ({
  accountId: req.accountId,
  consumer: consumerRef(req),
  tokenHash: req.tokenHash,
});

/** Seconds since `start` (from process.hrtime.bigint()). */
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Lease, ack, nack, extend, and dead letters; `metrics` counts and times leases and settles. */
export function consumeRoutes(
  { db, hub, notifier, limiter, known }: RouteDeps,
  metrics: ConsumeMetrics = noConsumeMetrics,
): Router {
  const router = Router();

  const next = async (
    req: Request,
    res: Response,
    params: { batch_size: number; wait_for: number },
  ) => {
    const aborter = new AbortController();
    const onClose = () => {
      if (!res.writableEnded) aborter.abort();
    };
    res.on("close", onClose);
    const start = process.hrtime.bigint();
    try {
      const answer = await receive(db, hub, {
        ...target(req),
        batchSize: params.batch_size,
        waitFor: params.wait_for,
        signal: aborter.signal,
        limiter,
        known,
      });
      metrics.leased(since(start), answer.data.length, params.wait_for > 0);
      res.json(answer);
    } finally {
      res.off("close", onClose);
    }
  };

  router.get("/v1/http-consumers/:consumer/next", async (req, res) => {
    await next(req, res, parseQuery(zReceiveMessagesQuery, req.query));
  });

  router.post("/v1/http-consumers/:consumer/next", requireJson, async (req, res) => {
    const query = parseQuery(zReceiveMessagesQuery, req.query);
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const body = parseParamsBody(zReceiveMessagesPostBody, req.body ?? {});
    // The body wins, but only for what it says: its defaults must not override the query.
    await next(req, res, {
      batch_size: "batch_size" in raw ? body.batch_size : query.batch_size,
      wait_for: "wait_for" in raw ? body.wait_for : query.wait_for,
    });
  });

  router.post("/v1/http-consumers/:consumer/ack", requireJson, async (req, res) => {
    const settleTarget = target(req);
    const body = parseBody(zAckMessagesBody, req.body);
    const tokens = decodeAckTokens(body.ack_tokens);
    const start = process.hrtime.bigint();
    const { madeAvailable, consumerId, ...answer } = await ack(db, settleTarget, tokens);
    metrics.settled("ack", since(start), answer.count);
    notifier.publish(`a:${consumerId}`, ...(madeAvailable ? [`c:${consumerId}`] : []));
    res.json(answer);
  });

  router.post("/v1/http-consumers/:consumer/nack", requireJson, async (req, res) => {
    const settleTarget = target(req);
    const body = parseBody(zNackMessagesBody, req.body);
    const tokens = decodeAckTokens(body.ack_tokens);
    const start = process.hrtime.bigint();
    const { madeAvailable, consumerId, ...answer } = await nack(db, settleTarget, tokens, {
      delayMs: body.delay_ms,
      reason: body.reason,
    });
    metrics.settled("nack", since(start), answer.count);
    if (answer.count > 0 || madeAvailable) notifier.publish(`c:${consumerId}`, `a:${consumerId}`);
    res.json(answer);
  });

  router.post("/v1/http-consumers/:consumer/term", requireJson, async (req, res) => {
    const settleTarget = target(req);
    const body = parseBody(zTerminateMessagesBody, req.body);
    const tokens = decodeAckTokens(body.ack_tokens);
    const start = process.hrtime.bigint();
    const { madeAvailable, consumerId, ...answer } = await term(
      db,
      settleTarget,
      tokens,
      body.reason,
    );
    metrics.settled("term", since(start), answer.count);
    if (answer.count > 0)
      notifier.publish(`a:${consumerId}`, ...(madeAvailable ? [`c:${consumerId}`] : []));
    res.json(answer);
  });

  router.post("/v1/http-consumers/:consumer/rewind", requireJson, async (req, res) => {
    const body = parseBody(zRewindConsumerBody, req.body ?? {});
    const consumer = await resolveConsumer(db, req.accountId, consumerRef(req));
    const info = await rewind(db, req.accountId, consumer, body);
    notifier.publish(`c:${consumer.id}`);
    res.json({ info });
  });

  router.post("/v1/http-consumers/:consumer/extend", requireJson, async (req, res) => {
    const settleTarget = target(req);
    const body = parseBody(zExtendLeasesBody, req.body);
    const tokens = decodeAckTokens(body.ack_tokens);
    const start = process.hrtime.bigint();
    const {
      madeAvailable: _,
      consumerId: __,
      ...answer
    } = await extend(db, settleTarget, tokens, body.extend_ms);
    metrics.settled("extend", since(start), answer.count);
    res.json(answer);
  });

  router.get("/v1/http-consumers/:consumer/dead-letters", async (req, res) => {
    const ref = consumerRef(req);
    const query = parseQuery(zListDeadLettersQuery, req.query);
    const consumer = await resolveConsumer(db, req.accountId, ref);
    const rows = await listDeadLetters(db, req.accountId, consumer.id, {
      after: decodeCursor(query.cursor),
      limit: query.limit,
    });
    const { data, next_cursor } = page(rows, query.limit, (r) => r.key);
    res.json({ data: data.map(({ key: _, ...letter }) => letter), next_cursor });
  });

  router.post(
    "/v1/http-consumers/:consumer/dead-letters/redrive",
    requireJson,
    async (req, res) => {
      const ref = consumerRef(req);
      const body = parseBody(zRedriveDeadLettersBody, req.body ?? {});
      const consumer = await resolveConsumer(db, req.accountId, ref);
      // Ids are message numbers; anything else names no dead letter.
      const ids = body.ids?.filter((id) => /^\d{1,18}$/.test(id));
      const count = await db.transaction((tx) => redrive(tx, req.accountId, consumer, ids));
      if (count > 0) notifier.publish(`c:${consumer.id}`);
      res.json({ count });
    },
  );

  return router;
}
