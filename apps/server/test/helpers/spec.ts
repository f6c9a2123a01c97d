import { readFileSync } from "node:fs";
import * as schemas from "@sequin/client/schemas";
import { parse } from "yaml";
import type { z } from "zod";

/** One operation of openapi.yaml. */
export interface Operation {
  method: string;
  path: string;
  operationId: string;
  pattern: RegExp;
  /** The status codes the spec declares. */
  statuses: Set<number>;
  /** z<OperationId>Response: the body of its 2xx answer. */
  response: z.ZodType;
}

const METHODS = ["get", "post", "patch", "put", "delete"];

function load(): Operation[] {
  const spec = parse(
    readFileSync(new URL("../../../../openapi.yaml", import.meta.url), "utf8"),
  ) as {
    paths: Record<
      string,
      Record<string, { operationId?: string; responses?: Record<string, unknown> }>
    >;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op?.operationId) continue;
      const name = `z${op.operationId[0]!.toUpperCase()}${op.operationId.slice(1)}Response`;
      const response = (schemas as Record<string, unknown>)[name] as z.ZodType | undefined;
      if (!response) throw new Error(`No generated schema ${name}`);
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
        statuses: new Set(Object.keys(op.responses ?? {}).map(Number)),
        response,
      });
    }
  }
  return operations;
}

/** Every operation of the spec. */
export const operations = load();

/** The operation a request hits, if the spec has one. */
export function findOperation(method: string, pathname: string): Operation | undefined {
  return operations.find((op) => op.method === method && op.pattern.test(pathname));
}
