import { apiInfo } from "@sequin/client/schemas";
import type { RequestHandler } from "express";

/** GET /: what this server is, and where its reference and console are. Needs no token. */
export const indexRoute: RequestHandler = (_req, res) => {
  res.json({
    name: apiInfo.title,
    version: apiInfo.version,
    links: { docs: "/docs", console: "/console" },
  });
};
