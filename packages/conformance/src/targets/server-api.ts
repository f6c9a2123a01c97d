// The reference server's public entry point, from its source (the `./source` export of
// @sequin/server): the suite runs the current code without a build (vitest and tsc both resolve
// the TypeScript file).
export {
  createAccount,
  createApp,
  createLogger,
  type Db,
  migrate,
  openDatabase,
} from "@sequin/server/source";
