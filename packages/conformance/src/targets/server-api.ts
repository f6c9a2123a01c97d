// The reference server's public entry point. @sequin/server has no `exports` map yet, so its
// source is imported directly (vitest and tsc both resolve the .ts file behind the .js name).
export {
  createAccount,
  createApp,
  createLogger,
  type Db,
  migrate,
  openDatabase,
} from "@sequin/server/src/index.js";
