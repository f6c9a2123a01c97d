import type { Request, RequestHandler, Response } from "express";
import type { AppMetrics } from "./metrics.js";

/** Sets the route label of a request no Express route matched (static files: /console, /docs). */
export function metricsRoute(res: Response, route: string): void {
  res.locals.metricsRoute = route;
}

// The route template (`/v1/http-consumers/:consumer/next`), never the raw path: ids and names in
// paths would make a label value per consumer, and unmatched paths one per typo.
function routeOf(req: Request, res: Response): string {
  if (req.route?.path) return `${req.baseUrl}${String(req.route.path)}`;
  return typeof res.locals.metricsRoute === "string" ? res.locals.metricsRoute : "unmatched";
}

/** Counts every answer by method, route template and status, and times it. */
export function httpMetrics(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const route = routeOf(req, res);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}
