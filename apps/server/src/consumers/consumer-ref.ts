import { zGetConsumerPath } from "@sequin/client/schemas";
import type { Request } from "express";
import { notFound } from "../http/errors.js";

/**
 * The `consumer` path parameter (an id or a name). One that cannot be valid names no consumer:
 * 404, which every consumer route declares (getConsumer and deleteConsumer declare no 400).
 */
export function consumerRef(req: Request): string {
  const parsed = zGetConsumerPath.safeParse(req.params);
  if (!parsed.success)
    throw notFound(`Consumer not found: ${String(req.params.consumer).slice(0, 200)}`);
  return parsed.data.consumer;
}
