import { Router } from "express";
import type { Logger } from "pino";
import type { Db } from "../db/db.js";
import { refreshGauges } from "./consumer-gauges.js";
import type { AppMetrics } from "./metrics.js";

/**
 * `GET /metrics` in Prometheus' text format. Mounted before authentication: scrapers send no
 * token. It names consumers, so it can be turned off (SEQUIN_METRICS=off); see the README.
 */
export function metricsRoutes(db: Db, metrics: AppMetrics, logger: Logger): Router {
  const router = Router();
  router.get("/metrics", async (_req, res) => {
    try {
      await refreshGauges(db, metrics);
    } catch (err) {
      // The process-side metrics are still worth a scrape; sequin_consumer_metrics_up says 0.
      logger.warn({ err }, "could not read consumer counts for /metrics");
    }
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.setHeader("Cache-Control", "no-store");
    res.send(await metrics.registry.metrics());
  });
  return router;
}
