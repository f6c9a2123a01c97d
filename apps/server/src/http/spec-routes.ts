import { checkRoute } from "@sequin/client/schemas";
import type { RequestHandler } from "express";
import { badParams, HttpError } from "./errors.js";

/**
 * Holds every request against openapi.yaml's paths before any route runs, so no route can forget
 * it: a known path with a method it does not have is a 405 with `Allow`; a query parameter the
 * operation does not declare, or a query or path parameter holding a NUL character, is a 400
 * naming it (Postgres text cannot hold NUL, and the database's own error must not reach the
 * client). Paths the spec does not have (docs, console, metrics) pass untouched.
 */
export const specRoutes: RequestHandler = (req, _res, next) => {
  const at = req.originalUrl.indexOf("?");
  const query = new URLSearchParams(at < 0 ? "" : req.originalUrl.slice(at + 1));
  const verdict = checkRoute(req.method, req.path, query);
  if (verdict.kind === "method") {
    const allow = verdict.allow.join(", ");
    next(
      new HttpError(
        405,
        "method_not_allowed",
        `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
        undefined,
        { Allow: allow },
      ),
    );
    return;
  }
  next(verdict.kind === "params" ? badParams(verdict.problems) : undefined);
};
