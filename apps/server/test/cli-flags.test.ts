import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { ENV_VARIABLES, FLAG_ENV, loadConfig } from "../src/config.js";
import { useTestDatabase } from "./helpers/database.js";

const database = useTestDatabase();

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe("sequin-server start flags mirror the environment", () => {
  it("every variable has a flag, and start --help lists both", async () => {
    const flagged = new Set<string>(Object.values(FLAG_ENV));
    expect(ENV_VARIABLES.filter((v) => !flagged.has(v))).toEqual([]);
    const { code, stdout } = await cli(["start", "--help"]);
    expect(code).toBe(0);
    for (const [flag, variable] of Object.entries(FLAG_ENV)) {
      expect(stdout).toContain(`--${flag}`);
      expect(stdout).toContain(variable);
    }
    expect(stdout).toContain("--in-memory");
  });

  it("a flag overrides its variable", () => {
    const env = {
      DATABASE_URL: "postgres://env/db",
      LOG_LEVEL: "warn",
      DATABASE_POOL_MAX: "7",
      SEQUIN_METRICS: "on",
    };
    const config = loadConfig(env, {
      "database-url": "postgres://flag/db",
      "log-level": "debug",
      "pool-max": "3",
      "upstream-url": "http://upstream.test",
      "upstream-token": "secret",
      "upstream-timeout-ms": "2500",
      metrics: "off",
      port: "0",
      host: "::1",
    });
    expect(config).toMatchObject({
      databaseUrl: "postgres://flag/db",
      logLevel: "debug",
      poolMax: 3,
      upstream: { url: "http://upstream.test", token: "secret", timeoutMs: 2500 },
      metrics: false,
      port: 0,
      host: "::1",
    });
    expect(loadConfig(env).metrics).toBe(true);
    expect(loadConfig({}).metrics).toBe(true);
  });

  it("a bad flag value exits 2 naming the variable", async () => {
    expect(await cli(["start", "--metrics", "maybe"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("SEQUIN_METRICS"),
    });
    expect(await cli(["start", "--pool-max", "0"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("DATABASE_POOL_MAX"),
    });
    expect(await cli(["migrate", "--database-url", "mysql://x"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("DATABASE_URL"),
    });
  });

  it("other commands take --database-url too", async () => {
    const { code, stdout } = await cli(["migrate", "--database-url", database.url()]);
    expect(code).toBe(0);
    expect(stdout).toContain("Nothing to migrate");
    for (const command of ["migrate", "create-account", "create-token", "revoke-token"]) {
      expect((await cli([command, "--help"])).stdout).toContain("--database-url");
    }
  });

  it("the real bin starts with flags only, and --metrics off hides /metrics", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const child = spawn(
      `${root}node_modules/.bin/tsx`,
      [
        "src/cli.ts",
        "start",
        "--database-url",
        database.url(),
        "--port",
        "0",
        "--metrics",
        "off",
        "--log-level",
        "silent",
      ],
      { cwd: root, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 50_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/docs`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
  }, 60_000);
});
