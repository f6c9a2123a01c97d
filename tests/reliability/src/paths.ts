// Where the suites find the code they run as separate processes.
import { fileURLToPath } from "node:url";

/** This package's folder: the cwd of the worker processes (tsx resolves from it). */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The built server's CLI, started as users start it (`turbo` builds it before `test`). */
export const SERVER_CLI = fileURLToPath(
  new URL("../../../apps/server/dist/cli.js", import.meta.url),
);

/** The worker process: `runConsumer` + the guarded pg upsert, logging every delivery. */
export const WORKER_MAIN = fileURLToPath(new URL("./worker/main.ts", import.meta.url));

/** The spec every request of the fuzzer and the probes is derived from. */
export const OPENAPI_YAML = fileURLToPath(new URL("../../../openapi.yaml", import.meta.url));
