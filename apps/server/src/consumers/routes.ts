import {
  zCreateConsumerBody,
  zListConsumersQuery,
  zUpdateConsumerBody,
} from "@sequin/client/schemas";
import { Router } from "express";
import { requireJson } from "../http/body.js";
import { decodeCursor, page } from "../http/cursor.js";
import { validationFailed } from "../http/errors.js";
import { runWrite } from "../http/idempotency.js";
import type { RouteDeps } from "../http/route-deps.js";
import { parseBody, parseQuery } from "../http/validate.js";
import { consumerRef } from "./consumer-ref.js";
import { toConsumer } from "./consumer-row.js";
import {
  createConsumer,
  deleteConsumer,
  listConsumers,
  resolveConsumer,
  updateConsumer,
} from "./service.js";

/** The spec says `max_deliver` is never 0 (`not: const: 0`), which the generated validator does not check. */
function checkMaxDeliver(body: { max_deliver?: number | undefined }): void {
  if (body.max_deliver === 0) {
    throw validationFailed([
      { path: "max_deliver", message: "must be -1 (no limit) or at least 1" },
    ]);
  }
}

/** The Management API for HTTP consumers. */
export function consumerRoutes({ db, notifier }: RouteDeps): Router {
  const router = Router();

  router.post("/v1/http-consumers", requireJson, async (req, res) => {
    const body = parseBody(zCreateConsumerBody, req.body);
    checkMaxDeliver(body);
    await runWrite(db, req, res, async (tx) => ({
      status: 201,
      body: await createConsumer(tx, req.accountId, body),
    }));
  });

  router.get("/v1/http-consumers", async (req, res) => {
    const query = parseQuery(zListConsumersQuery, req.query);
    const rows = await listConsumers(db, req.accountId, {
      after: decodeCursor(query.cursor),
      limit: query.limit,
      streamId: query.stream_id,
    });
    const { data, next_cursor } = page(rows, query.limit, (r) => Number(r.ord));
    res.json({ data: data.map(toConsumer), next_cursor });
  });

  router.get("/v1/http-consumers/:consumer", async (req, res) => {
    const consumer = consumerRef(req);
    res.json(toConsumer(await resolveConsumer(db, req.accountId, consumer)));
  });

  router.patch("/v1/http-consumers/:consumer", requireJson, async (req, res) => {
    const consumer = consumerRef(req);
    const parsed = parseBody(zUpdateConsumerBody, req.body);
    // The generated validator fills defaults (ack_wait_ms 30000...) for fields left out; a PATCH
    // must only change the fields it names.
    const raw = req.body as Record<string, unknown>;
    const body = Object.fromEntries(
      Object.entries(parsed).filter(([key]) => key in raw),
    ) as typeof parsed;
    // ConsumerUpdate has minProperties: 1, which the generated validator does not check.
    if (Object.keys(body).length === 0) {
      throw validationFailed([{ path: "body", message: "must set at least one field" }]);
    }
    checkMaxDeliver(body);
    const row = await db.transaction((tx) => updateConsumer(tx, req.accountId, consumer, body));
    // A higher max_ack_pending or max_deliver can make messages deliverable.
    notifier.publish(`c:${row.id}`);
    res.json(toConsumer(row));
  });

  router.delete("/v1/http-consumers/:consumer", async (req, res) => {
    const consumer = consumerRef(req);
    const id = await deleteConsumer(db, req.accountId, consumer);
    // Long-polls of the deleted consumer answer now instead of at their deadline.
    notifier.publish(`c:${id}`);
    res.json({ id, deleted: true });
  });

  return router;
}
