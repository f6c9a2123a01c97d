import { zGetStreamStatsPath } from "@sequin/client/schemas";
import { Router } from "express";
import type { RouteDeps } from "../http/route-deps.js";
import { parsePath } from "../http/validate.js";
import { getStream } from "./service.js";
import { streamStats } from "./stats.js";

/** `GET /v1/streams/{stream_id}/stats`: record and event counts. */
export function streamStatsRoutes({ db }: RouteDeps): Router {
  const router = Router();
  router.get("/v1/streams/:stream_id/stats", async (req, res) => {
    const { stream_id } = parsePath(zGetStreamStatsPath, req.params);
    // 404 for a stream of another account, like every other stream route.
    await getStream(db, req.accountId, stream_id);
    res.json(await streamStats(db, req.accountId, stream_id));
  });
  return router;
}
