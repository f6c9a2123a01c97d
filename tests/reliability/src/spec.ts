// openapi.yaml, walked: every operation with its parameters and body schema, $refs resolved.
import { readFileSync } from "node:fs";
import * as schemas from "@sequin/client/schemas";
import { parse } from "yaml";
import type { z } from "zod";
import { OPENAPI_YAML } from "./paths.js";

/** The JSON Schema subset openapi.yaml uses. */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Schema;
}

/** One operation of the spec. */
export interface Operation {
  operationId: string;
  method: string;
  /** The path template, e.g. `/v1/streams/{stream_id}`. */
  path: string;
  parameters: Parameter[];
  /** The application/json request body, if the operation takes one. */
  body: Schema | undefined;
  /** Status codes the spec declares. */
  statuses: Set<number>;
  /** Whether the operation needs a bearer token (the spec's `security`). */
  secured: boolean;
  /** z<OperationId>Response, the generated validator of its 2xx body (if generated yet). */
  response: z.ZodType | undefined;
  /** Matches a concrete pathname of this operation. */
  pattern: RegExp;
}

type Json = Record<string, unknown>;

function resolver(root: Json) {
  const lookup = (ref: string): unknown =>
    ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, key) => (node as Json)[key.replaceAll("~1", "/")], root);
  const resolve = (node: unknown, depth = 0): unknown => {
    if (depth > 50) throw new Error("$ref nesting too deep");
    if (Array.isArray(node)) return node.map((n) => resolve(n, depth + 1));
    if (node === null || typeof node !== "object") return node;
    const ref = (node as Json).$ref;
    if (typeof ref === "string") return resolve(lookup(ref), depth + 1);
    return Object.fromEntries(
      Object.entries(node as Json).map(([k, v]) => [
        k,
        k === "example" ? v : resolve(v, depth + 1),
      ]),
    );
  };
  return resolve;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Every operation of openapi.yaml. */
export function loadOperations(): Operation[] {
  const spec = parse(readFileSync(OPENAPI_YAML, "utf8")) as Json;
  const resolve = resolver(spec);
  const globalSecurity = (spec.security as unknown[] | undefined) ?? [];
  const operations: Operation[] = [];
  for (const [path, rawItem] of Object.entries(spec.paths as Json)) {
    const item = rawItem as Json;
    const shared = (resolve(item.parameters ?? []) as Parameter[]) ?? [];
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const operationId = op.operationId as string;
      const own = resolve(op.parameters ?? []) as Parameter[];
      const parameters = [...own, ...shared.filter((p) => !own.some((o) => o.name === p.name))];
      const content = (resolve(op.requestBody) as Json | undefined)?.content as Json | undefined;
      const body = (content?.["application/json"] as Json | undefined)?.schema as
        | Schema
        | undefined;
      const security = (op.security as unknown[] | undefined) ?? globalSecurity;
      const name = `z${operationId[0]!.toUpperCase()}${operationId.slice(1)}Response`;
      operations.push({
        operationId,
        method: method.toUpperCase(),
        path,
        parameters,
        body,
        statuses: new Set(Object.keys((op.responses as Json) ?? {}).map(Number)),
        secured: security.length > 0 && !security.every((s) => Object.keys(s as Json).length === 0),
        response: (schemas as Record<string, unknown>)[name] as z.ZodType | undefined,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
      });
    }
  }
  return operations;
}
