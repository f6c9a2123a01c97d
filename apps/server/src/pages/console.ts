import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import { HttpError } from "../http/errors.js";
import { metricsRoute } from "../metrics/http-metrics.js";

/**
 * The built console: the `dist` folder of the @sequin/console workspace package, a dependency of
 * the server (so `pnpm build` builds it first). Undefined when the package cannot be found.
 */
export function findConsoleDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("@sequin/console/package.json");
    return join(dirname(pkg), "dist");
  } catch {
    return undefined;
  }
}

const NOT_BUILT =
  "The console is not built: run `pnpm build` (or `pnpm --filter @sequin/console build`) and reload";

/**
 * Serves the console's static files at /console without a token: the page holds no data, and its
 * API calls carry the token the user signs in with. Paths that are no file get index.html (the
 * console routes in the browser). Looked up at every request while missing, so a build after the
 * server started is picked up.
 */
export function consoleRoutes(dir = findConsoleDir()): Router {
  const router = Router();
  const index = dir ? join(dir, "index.html") : undefined;
  const serveStatic = dir
    ? express.static(dir, {
        index: false,
        fallthrough: true,
        setHeaders(res, path) {
          // Vite puts a content hash in every asset name: they never change.
          if (path.includes(`${join(dir, "assets")}`))
            res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
        },
      })
    : undefined;

  router.use("/console", (req: Request, res: Response, next: NextFunction) => {
    metricsRoute(res, "/console/*");
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    if (!index || !existsSync(index)) throw new HttpError(404, "not_found", NOT_BUILT);
    // /console -> /console/, so the page's relative asset URLs resolve under /console/.
    if (req.originalUrl === "/console" || req.originalUrl.startsWith("/console?")) {
      res.redirect(301, `/console/${req.originalUrl.slice("/console".length)}`);
      return;
    }
    serveStatic!(req, res, () => {
      // An asset that is not there is a 404, not the page: a stale tab must not parse HTML as JS.
      if (req.path.startsWith("/assets/"))
        return next(new HttpError(404, "not_found", `No such file: ${req.originalUrl}`));
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(index);
    });
  });
  return router;
}
