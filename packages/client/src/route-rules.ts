import { badText, type RuleProblem } from "./api-rules.js";
import { type ApiRoute, apiRoutes } from "./generated/routes.gen.js";

/**
 * What the spec says of a request before any route runs, shared by the reference server and the
 * mock so both answer alike:
 * - `unknown`: no path of the spec matches (the caller answers 404 as it always has);
 * - `method`: the path exists without this method: 405, `allow` lists the methods it has;
 * - `params`: unknown query parameters, or parameters holding text Postgres cannot store: 400;
 * - `ok`: nothing to say.
 */
export type RouteVerdict =
  | { kind: "unknown" }
  | { kind: "method"; allow: string[] }
  | { kind: "params"; problems: RuleProblem[] }
  | { kind: "ok" };

interface CompiledRoute {
  route: ApiRoute;
  segments: Array<string | { param: string }>;
}

const compiled: CompiledRoute[] = apiRoutes.map((route) => ({
  route,
  segments: route.path
    .split("/")
    .slice(1)
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part)?.[1];
      return param === undefined ? part.toLowerCase() : { param };
    }),
}));

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape is the router's to refuse; here it names no parameter.
    return segment;
  }
}

/** The route `pathname` is on, with its decoded path parameters (Express matches paths case-insensitively and forgives one trailing slash). */
function match(pathname: string): { route: ApiRoute; params: Array<[string, string]> } | undefined {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname;
  const parts = trimmed.split("/").slice(1);
  for (const { route, segments } of compiled) {
    if (segments.length !== parts.length) continue;
    const params: Array<[string, string]> = [];
    const fits = segments.every((segment, i) => {
      const part = parts[i] ?? "";
      if (typeof segment === "string") return segment === part.toLowerCase();
      params.push([segment.param, decode(part)]);
      return part !== "";
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/**
 * Checks a request against openapi.yaml: `pathname` relative to the API's root, `query` the
 * decoded query string. HEAD is allowed wherever GET is.
 */
export function checkRoute(
  method: string,
  pathname: string,
  query: Iterable<[string, string]>,
): RouteVerdict {
  const found = match(pathname);
  if (!found) return { kind: "unknown" };
  const verb = method.toUpperCase();
  const declared = found.route.methods[verb === "HEAD" ? "GET" : verb];
  if (declared === undefined) return { kind: "method", allow: Object.keys(found.route.methods) };
  const problems: RuleProblem[] = [];
  for (const [name, value] of found.params) {
    const bad = badText(value);
    if (bad) problems.push({ path: name, message: `must not contain ${bad}` });
  }
  // Every occurrence of a repeated parameter is looked at (the route may read any of them), each
  // name reported once.
  const reported = new Set<string>();
  for (const [name, value] of query) {
    if (reported.has(name)) continue;
    if (!declared.includes(name)) {
      reported.add(name);
      problems.push({ path: name, message: "Unknown parameter" });
      continue;
    }
    const bad = badText(value);
    if (bad) {
      reported.add(name);
      problems.push({ path: name, message: `must not contain ${bad}` });
    }
  }
  return problems.length > 0 ? { kind: "params", problems } : { kind: "ok" };
}
