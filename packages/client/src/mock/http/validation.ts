import type { z } from "zod";
import { issuesToDetails, queryIntegers, storableJsonProblems } from "../../api-rules.js";
import { badRequest, validationFailed } from "./errors.js";

/** Validates a JSON body with a generated validator: 422 `validation_failed` naming each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw validationFailed(issuesToDetails(result.error.issues, "body"));
  return result.data;
}

/** Validates a body that carries query parameters (POST …/next): 400 `bad_request`, as in the query. */
export function parseParamsBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(issuesToDetails(result.error.issues, "body"));
  return result.data;
}

/** Validates path parameters: 400 `bad_request` naming each. */
export function parsePath<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw badRequest(issuesToDetails(result.error.issues, "path"));
  return result.data;
}

/**
 * Validates the query string: 400 `bad_request` naming each parameter. Query values are text, so
 * the spec's integer parameters are converted first (see `queryIntegers`).
 */
export function parseQuery<S extends z.ZodObject>(schema: S, url: URL): z.output<S> {
  const converted = queryIntegers(schema, Object.fromEntries(url.searchParams));
  if (converted.problems.length > 0) throw badRequest(converted.problems);
  const result = schema.safeParse(converted.query);
  if (!result.success) throw badRequest(issuesToDetails(result.error.issues, "query"));
  return result.data;
}

/** One hand-written rule the generated validator cannot express (e.g. `not: {const: 0}`). */
export function invalid(path: string, message: string): never {
  throw validationFailed([{ path, message }]);
}

/**
 * Only the fields the client actually sent. The generated validators fill in schema defaults
 * (e.g. `ack_wait_ms: 30000`), which must not overwrite stored values on a PATCH, nor replace
 * a consumer's own `ack_wait_ms` as the default `extend_ms`.
 */
export function onlySent<T extends object>(parsed: T, raw: unknown): Partial<T> {
  if (typeof raw !== "object" || raw === null) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(([key]) => Object.hasOwn(raw, key)),
  ) as Partial<T>;
}

/**
 * Refuses JSON the reference server cannot store in Postgres (NUL characters, nesting deeper
 * than 100 levels) with the same 422.
 */
export function checkStorable(body: unknown): void {
  const problems = storableJsonProblems(body);
  if (problems.length > 0) throw validationFailed(problems);
}
