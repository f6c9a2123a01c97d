import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serverTest, startTestServer } from "./helpers/server.js";

// A stand-in for the console's build output: what matters here is how the server serves it.
const dir = await mkdtemp(join(tmpdir(), "sqsrv-console-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
await writeFile(join(dir, "index.html"), "<!doctype html><title>console</title>");
await mkdir(join(dir, "assets"));
await writeFile(join(dir, "assets", "app-abc123.js"), "console.log('hi')");
const { db, server } = await serverTest({ consoleDir: dir });

describe("/docs", () => {
  it("serves the API reference page, Redoc and the spec without a token", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('spec-url="/docs/openapi.yaml"');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN

    const spec = await fetch(`${server.url}/docs/openapi.yaml`);
    expect(spec.status).toBe(200);
    const text = await spec.text();
    expect(text).toContain("operationId: receiveMessages");
    expect(text).toContain("operationId: peekMessages");

    const redoc = await fetch(`${server.url}/docs/redoc.standalone.js`);
    expect(redoc.status).toBe(200);
    expect(redoc.headers.get("content-type")).toContain("javascript");
    const bundle = await redoc.text();
    expect(bundle.length).toBeGreaterThan(100_000);
    // Redoc's logo would come from its CDN; the page needs nothing but this server.
    expect(bundle).not.toContain("https://cdn.redoc.ly");
  });
});

describe("/console", () => {
  it("serves the built files without a token; unknown paths get the page, missing assets a 404", async () => {
    const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/console/");

    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>console</title>");

    const asset = await fetch(`${server.url}/console/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");

    const deep = await fetch(`${server.url}/console/consumers/abc`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain("<title>console</title>");

    const missing = await fetch(`${server.url}/console/assets/gone-1.js`);
    expect(missing.status).toBe(404);
  });

  it("answers a clear 404 when the console was not built", async () => {
    const bare = await startTestServer(db, { consoleDir: join(dir, "not-built") });
    try {
      const res = await fetch(`${bare.url}/console/`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { code: string; error: string };
      expect(body.code).toBe("not_found");
      expect(body.error).toContain("console is not built");
      expect(body.error).toContain("pnpm build");
    } finally {
      await bare.close();
    }
  });

  it("does not open the API: /v1 still needs a token", async () => {
    expect((await fetch(`${server.url}/v1/streams`)).status).toBe(401);
    expect((await fetch(`${server.url}/docsx`)).status).toBe(401);
    expect((await fetch(`${server.url}/consolex`)).status).toBe(401);
  });
});
