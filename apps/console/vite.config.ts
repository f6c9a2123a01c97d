import { defineConfig } from "vite";

// The server serves dist/ at /console (apps/server/src/pages/console.ts), so every asset URL
// starts with /console/. No CDN, no external font: the page works offline.
export default defineConfig({
  base: "/console/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  server: {
    // `pnpm --filter @sequin/console dev`: the API of a server started with `pnpm start`.
    proxy: { "/v1": "http://127.0.0.1:7376", "/health": "http://127.0.0.1:7376" },
  },
});
