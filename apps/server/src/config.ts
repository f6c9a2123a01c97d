import { fileURLToPath } from "node:url";
import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * The embedded database's directory when none is given: `.sequin-data` in the server's package
 * folder (apps/server), whatever the working directory. `start` (run by `pnpm start` in
 * apps/server) and a command run from the repository root or anywhere else then open the same
 * files; a working-directory default made a second, empty database whose tokens the running
 * server rejected. The modules sit one level below the package folder both in src/ and in dist/.
 */
export function defaultDataDir(): string {
  return fileURLToPath(new URL("../.sequin-data", import.meta.url));
}

/** Environment variables of the server, validated. */
const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(7376),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  SEQUIN_DATA_DIR: z.string().trim().min(1).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(20),
  SEQUIN_UPSTREAM_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .optional(),
  SEQUIN_UPSTREAM_TOKEN: z.string().min(1).optional(),
  SEQUIN_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  SEQUIN_METRICS: z.enum(["on", "off"]).default("on"),
});

/** Each flag of `sequin-server start` and the variable it overrides: one flag per variable. */
export const FLAG_ENV = {
  "database-url": "DATABASE_URL",
  port: "PORT",
  host: "HOST",
  "log-level": "LOG_LEVEL",
  "data-dir": "SEQUIN_DATA_DIR",
  "pool-max": "DATABASE_POOL_MAX",
  "upstream-url": "SEQUIN_UPSTREAM_URL",
  "upstream-token": "SEQUIN_UPSTREAM_TOKEN",
  "upstream-timeout-ms": "SEQUIN_UPSTREAM_TIMEOUT_MS",
  metrics: "SEQUIN_METRICS",
} as const satisfies Record<string, keyof z.input<typeof EnvSchema>>;

/** Every environment variable the server reads. */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as Array<keyof z.input<typeof EnvSchema>>;

/** The server's configuration. */
export interface Config {
  /** Postgres to use; unset means embedded PGlite. */
  databaseUrl: string | undefined;
  /** Port to listen on. Default 7376. */
  port: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host: string;
  /** pino level. Default info. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Where embedded mode keeps its files. Default {@link defaultDataDir}. */
  dataDir: string;
  /** Embedded database in memory (nothing on disk). Default false. */
  inMemory: boolean;
  /** Most pooled Postgres connections. Default 20. */
  poolMax: number;
  /** Mutations are forwarded here (HTTP upstream); unset: the stream is the system of record. */
  upstream: { url: string; token: string | undefined; timeoutMs: number } | undefined;
  /** Serve Prometheus metrics at /metrics, without a token (SEQUIN_METRICS). Default true. */
  metrics: boolean;
}

/** Command-line flags that override the environment. */
export type ConfigFlags = { -readonly [F in keyof typeof FLAG_ENV]?: string | undefined } & {
  "in-memory"?: boolean | undefined;
};

/** A configuration problem, naming each bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates the configuration from the environment and flags. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const input = {
    ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
    ...Object.fromEntries(
      Object.entries(FLAG_ENV)
        .map(([flag, variable]) => [variable, flags[flag as keyof typeof FLAG_ENV]])
        .filter(([, v]) => v !== undefined),
    ),
  };
  const parsed = EnvSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  if (flags["in-memory"] && c.DATABASE_URL) {
    throw new ConfigError(
      "Invalid configuration: --in-memory cannot be combined with DATABASE_URL",
    );
  }
  return {
    databaseUrl: c.DATABASE_URL,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    dataDir: c.SEQUIN_DATA_DIR ?? defaultDataDir(),
    inMemory: flags["in-memory"] ?? false,
    poolMax: c.DATABASE_POOL_MAX,
    upstream: c.SEQUIN_UPSTREAM_URL
      ? {
          url: c.SEQUIN_UPSTREAM_URL,
          token: c.SEQUIN_UPSTREAM_TOKEN,
          timeoutMs: c.SEQUIN_UPSTREAM_TIMEOUT_MS,
        }
      : undefined,
    metrics: c.SEQUIN_METRICS === "on",
  };
}
