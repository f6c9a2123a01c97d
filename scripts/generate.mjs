#!/usr/bin/env node
// Generates every derived file from openapi.yaml, the single source of truth:
//   packages/client/src/generated/openapi.gen.ts  TypeScript types (openapi-typescript)
//   packages/client/src/generated/zod.gen.ts      runtime validators (@hey-api/openapi-ts, zod plugin)
//   packages/client/src/generated/routes.gen.ts   each path's methods and declared query parameters
// `--check` generates into a temporary folder and fails, naming each stale file, when the
// committed files differ from what the spec produces.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@hey-api/openapi-ts";
import { parse as parseYaml } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const spec = join(root, "openapi.yaml");
const targetDir = join(root, "packages/client/src/generated");
const check = process.argv.includes("--check");

const header = (tool) =>
  `// Generated from openapi.yaml by ${tool}. Do not edit: change openapi.yaml and run \`pnpm generate\`.\n`;

async function generate(outDir) {
  mkdirSync(outDir, { recursive: true });
  const files = {};

  const typesFile = join(outDir, "openapi.gen.ts.tmp");
  execFileSync(
    process.execPath,
    [
      join(root, "node_modules/openapi-typescript/bin/cli.js"),
      spec,
      "-o",
      typesFile,
      "--default-non-nullable=false",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  files["openapi.gen.ts"] = header("openapi-typescript") + readFileSync(typesFile, "utf8");
  rmSync(typesFile);

  const zodDir = join(outDir, "zod-tmp");
  await createClient({
    input: spec,
    output: { path: zodDir, postProcess: [] },
    plugins: [
      {
        name: "zod",
        definitions: true,
        requests: true,
        responses: true,
        dates: { offset: true },
      },
    ],
    logs: { level: "silent", file: false },
  });
  const zodSource = readFileSync(join(zodDir, "zod.gen.ts"), "utf8");
  rmSync(zodDir, { recursive: true, force: true });
  files["zod.gen.ts"] = header("@hey-api/openapi-ts (zod plugin)") + closeObjects(zodSource);
  files["routes.gen.ts"] = header("scripts/generate.mjs") + routeTable();
  return files;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// The server and the mock answer 405 for a method a path does not have, and 400 for a query
// parameter an operation does not declare: both read this table rather than a hand-kept list.
function routeTable() {
  const doc = parseYaml(readFileSync(spec, "utf8"));
  const resolve = (p) => {
    if (!p?.$ref) return p;
    const name = p.$ref.replace("#/components/parameters/", "");
    const found = doc.components?.parameters?.[name];
    if (!found) throw new Error(`generate: unknown parameter ${p.$ref}`);
    return found;
  };
  const routes = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const shared = (item.parameters ?? []).map(resolve);
    const methods = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const params = [...shared, ...(operation.parameters ?? []).map(resolve)];
      methods[method.toUpperCase()] = params.filter((p) => p.in === "query").map((p) => p.name);
    }
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    routes.push({ path, pathParams, methods });
  }
  const info = { title: doc.info.title, version: doc.info.version };
  return `
/** The API's name and version (openapi.yaml \`info\`). */
export const apiInfo = ${JSON.stringify(info, null, 2)} as const;

/** One path of the spec: its path parameters, and per method the query parameters it declares. */
export interface ApiRoute {
  path: string;
  pathParams: readonly string[];
  methods: Readonly<Record<string, readonly string[]>>;
}

/** Every path of openapi.yaml. */
export const apiRoutes: readonly ApiRoute[] = ${JSON.stringify(routes, null, 2)};
`;
}

// The zod plugin emits z.object() (unknown keys stripped) even for schemas with
// `additionalProperties: false`. The API rejects unknown fields, so those become z.strictObject().
function closeObjects(source) {
  const doc = parseYaml(readFileSync(spec, "utf8"));
  let out = source;
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (schema?.type === "object" && schema.additionalProperties === false) {
      const from = `export const z${name} = z.object(`;
      if (!out.includes(from)) throw new Error(`generate: cannot find ${from} in zod output`);
      out = out.replace(from, `export const z${name} = z.strictObject(`);
    }
  }
  return out;
}

const files = await generate(check ? mkdtempSync(join(tmpdir(), "sequin-gen-")) : targetDir);
const stale = [];
for (const [name, content] of Object.entries(files)) {
  const path = join(targetDir, name);
  if (check) {
    const current = existsSync(path) ? readFileSync(path, "utf8") : null;
    if (current !== content) stale.push(relative(root, path));
  } else {
    writeFileSync(path, content);
    console.log(`generated ${relative(root, path)}`);
  }
}
if (check) {
  if (stale.length > 0) {
    console.error(
      `Generated files are stale (run \`pnpm generate\` and commit):\n  ${stale.join("\n  ")}`,
    );
    process.exit(1);
  }
  console.log("Generated files are up to date.");
}
