import { zPeekMessagesQuery } from "@sequin/client/schemas";
import { Router } from "express";
import { consumerRef } from "../consumers/consumer-ref.js";
import { resolveConsumer } from "../consumers/service.js";
import type { RouteDeps } from "../http/route-deps.js";
import { parseQuery } from "../http/validate.js";
import { peekInfo, peekMessages } from "./peek.js";

/** `GET .../messages`: the next messages of a consumer, without leasing them. */
export function peekRoutes({ db }: RouteDeps): Router {
  const router = Router();
  router.get("/v1/http-consumers/:consumer/messages", async (req, res) => {
    const ref = consumerRef(req);
    const { limit } = parseQuery(zPeekMessagesQuery, req.query);
    const consumer = await resolveConsumer(db, req.accountId, ref);
    const [data, info] = await Promise.all([
      peekMessages(db, req.accountId, consumer, limit),
      peekInfo(db, req.accountId, consumer.id),
    ]);
    res.json({ data, info });
  });
  return router;
}
