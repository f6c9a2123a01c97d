// The reference server's public entry point, from its source (the `./src/*` export of
// @sequin/server): the suite runs the current code without a build (vitest and tsc both resolve
// the .ts file behind the .js name).
export {
  createAccount,
  createApp,
  createLogger,
  type Db,
  migrate,
  openDatabase,
} from "@sequin/server/src/index.js";
