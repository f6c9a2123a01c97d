import { issuesToDetails, queryIntegers } from "@sequin/client/schemas";
import type { z } from "zod";
import { badParams, validationFailed } from "./errors.js";

/** Parses a JSON body; a mismatch is a 422 `validation_failed` naming each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw validationFailed(issuesToDetails(result.error.issues));
  return result.data;
}

/**
 * Parses a body that carries the operation's query parameters (POST …/next): a mismatch is a 400
 * `bad_request`, as the same mistake in the query string is.
 */
export function parseParamsBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw badParams(issuesToDetails(result.error.issues));
  return result.data;
}

/** Parses path parameters; a mismatch is a 400 `bad_request`. */
export function parsePath<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw badParams(issuesToDetails(result.error.issues, "path"));
  return result.data;
}

/**
 * Parses the query string with a generated schema. Query values arrive as text, so integer
 * parameters are converted first; anything that is not a whole number is a 400 that names it.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: unknown): z.output<S> {
  const converted = queryIntegers(schema, query as Record<string, unknown>);
  if (converted.problems.length > 0) throw badParams(converted.problems);
  const result = schema.safeParse(converted.query);
  if (!result.success) throw badParams(issuesToDetails(result.error.issues, "query"));
  return result.data;
}
