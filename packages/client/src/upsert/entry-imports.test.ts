import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Specifiers a module loads at runtime: `import type` / `export type` are erased, others stay. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const statements = text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms);
  return [...statements].filter((m) => m[2] === undefined).map((m) => m[3] as string);
}

/** Every package an entry loads, following relative imports through the source tree. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith("."))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  };
  visit(resolve(src, entry));
  return packages;
}

describe("entry points load only their own driver", () => {
  it("@sequin/client/pg and /prisma load no driver at all (they use what you pass)", () => {
    expect([...packagesLoadedBy("upsert/pg.ts")]).toEqual([]);
    expect([...packagesLoadedBy("upsert/prisma.ts")]).toEqual([]);
  });

  it("@sequin/client/drizzle loads drizzle-orm only", () => {
    expect([...packagesLoadedBy("upsert/drizzle.ts")].sort()).toEqual([
      "drizzle-orm",
      "drizzle-orm/pg-core",
    ]);
  });

  it("the main entry loads none of the drivers", () => {
    const loaded = packagesLoadedBy("index.ts");
    for (const driver of ["pg", "drizzle-orm", "drizzle-orm/pg-core", "@prisma/client"]) {
      expect(loaded.has(driver), driver).toBe(false);
    }
  });

  it("finds runtime imports, so the checks above can fail", () => {
    expect(runtimeImports(resolve(src, "upsert/drizzle.ts"))).toContain("drizzle-orm");
    expect(runtimeImports(resolve(src, "upsert/pg.ts"))).not.toContain("../types.js");
  });
});
