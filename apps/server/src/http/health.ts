import type { RequestHandler } from "express";
import type { Db } from "../db/db.js";
import { sendError } from "./error-handler.js";
import { HttpError } from "./errors.js";

/** How long the database may take to answer the health check. */
const TIMEOUT_MS = 2000;

/** GET /health: 200 when the database answers, 503 otherwise. Needs no token. */
export function healthRoute(db: Db): RequestHandler {
  return async (req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        db.query("SELECT 1"),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), TIMEOUT_MS);
        }),
      ]);
      res.json({ status: "ok", database: "ok" });
    } catch {
      sendError(
        req,
        res,
        new HttpError(503, "unavailable", "Database unavailable", undefined, {
          "Retry-After": "1",
        }),
      );
    } finally {
      clearTimeout(timer);
    }
  };
}
