import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Router } from "express";
import { HttpError } from "../http/errors.js";
import { metricsRoute } from "../metrics/http-metrics.js";

/** Where the API reference page's two files are. */
export interface DocsAssets {
  /** Redoc's standalone browser bundle. */
  redoc: string;
  /** openapi.yaml. */
  spec: string;
}

// The build copies both into dist/docs (tsup.config.ts), so a built server needs neither the
// repository nor the redoc package. From source (tsx, vitest) they are read where they live.
/** Finds the Redoc bundle and the spec: dist/docs when built, else the workspace. */
export function findDocsAssets(): DocsAssets | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = {
    redoc: join(here, "docs/redoc.standalone.js"),
    spec: join(here, "docs/openapi.yaml"),
  };
  if (existsSync(bundled.redoc) && existsSync(bundled.spec)) return bundled;
  try {
    const redoc = createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js");
    const spec = fileURLToPath(new URL("../../../../openapi.yaml", import.meta.url));
    return existsSync(spec) ? { redoc, spec } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Redoc's side menu shows a logo from cdn.redoc.ly: a request to the internet (an error in the
 * browser's console where there is none). The page must need nothing but this server, so the
 * logo becomes an empty inline image.
 */
export function offline(redocBundle: string): string {
  return redocBundle.replaceAll(
    "https://cdn.redoc.ly/redoc/logo-mini.svg",
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E",
  );
}

// From source, Redoc lives under node_modules/.pnpm: a dot folder that send() refuses by default.
const SEND_OPTIONS = { dotfiles: "allow" } as const;

// favicon: an empty data URL, so the browser asks the API for nothing (an error in its console).
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Sequin Consume API reference</title>
    <link rel="icon" href="data:," />
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="/docs/openapi.yaml" hide-download-button="false"></redoc>
    <script src="/docs/redoc.standalone.js"></script>
  </body>
</html>
`;

/** The API reference at /docs, rendered in the browser by Redoc from openapi.yaml. No token needed. */
export function docsRoutes(assets = findDocsAssets()): Router {
  const router = Router();
  const need = (): DocsAssets => {
    if (!assets)
      throw new HttpError(
        404,
        "not_found",
        "The API reference is not available: build the server (pnpm build) or install its dev dependencies",
      );
    return assets;
  };
  router.get(["/docs", "/docs/"], (_req, res) => {
    need();
    res.type("html").setHeader("Cache-Control", "no-cache");
    res.send(PAGE);
  });
  router.get("/docs/openapi.yaml", (_req, res) => {
    res.type("application/yaml").setHeader("Cache-Control", "no-cache");
    res.sendFile(need().spec, SEND_OPTIONS);
  });
  let bundle: Promise<string> | undefined;
  router.get("/docs/redoc.standalone.js", async (_req, res) => {
    metricsRoute(res, "/docs/*");
    const path = need().redoc;
    bundle ??= readFile(path, "utf8")
      .then(offline)
      .catch((err: unknown) => {
        bundle = undefined;
        throw err;
      });
    res.type("text/javascript").setHeader("Cache-Control", "public, max-age=3600");
    res.send(await bundle);
  });
  return router;
}
