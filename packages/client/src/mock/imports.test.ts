import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// `@sequin/client/mock` must load only msw and zod: never pg, drizzle, prisma or the SDK's other parts.
describe("import graph of the mock entry", () => {
  it("reaches only msw, zod, files under src/mock and src/generated, and the shared API and route rules", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const src = resolve(here, "..");
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      // Type-only imports vanish from the build; everything else is loaded at runtime.
      for (const m of text.matchAll(
        /^(?:import|export)\s+(?!type\s)[^;]*?from\s+["']([^"']+)["']/gms,
      )) {
        const spec = m[1] ?? "";
        if (!spec.startsWith(".")) bare.add(spec);
        else visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
      }
    };
    visit(join(here, "index.ts"));
    expect([...bare].sort()).toEqual(["msw", "zod"]);
    // The rules the server shares with the mock; they import only each other and src/generated.
    const shared = new Set([join(src, "api-rules.ts"), join(src, "route-rules.ts")]);
    const outside = [...seen].filter(
      (f) =>
        !f.startsWith(join(src, "mock")) && !f.startsWith(join(src, "generated")) && !shared.has(f),
    );
    expect(outside).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
