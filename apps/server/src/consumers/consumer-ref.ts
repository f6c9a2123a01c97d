import { zGetConsumerPath } from "@sequin/client/schemas";
import type { Request } from "express";
import { notFound } from "../http/errors.js";

/**
 * The `consumer` path parameter (an id or a name). One that cannot be valid names no consumer:
 * 404, which every consumer route declares.
 */
export function consumerRef(req: Request): string {
  const parsed = zGetConsumerPath.safeParse(req.params);
  // A NUL character can be in no stored name: looking it up would fail in Postgres (a 422).
  if (!parsed.success || parsed.data.consumer.includes("\u0000"))
    throw notFound(`Consumer not found: ${String(req.params.consumer).slice(0, 200)}`);
  return parsed.data.consumer;
}
