// The reference server as a library: for tests and for embedding in another process.

// Accounts and tokens
export { type CreatedAccount, createAccount } from "./accounts/accounts.js";
export { type CreatedToken, createToken, revokeToken } from "./accounts/tokens.js";
// App
export { type AppDeps, createApp, type SequinApp } from "./app.js";
export type { BackgroundOptions, BackgroundTasks } from "./background/tasks.js";
// Configuration and start-up
export { type Config, ConfigError, type ConfigFlags, loadConfig } from "./config.js";
// Consumers
export { createConsumer } from "./consumers/service.js";
// Storage
export type { Db, Queryable, QueryResult } from "./db/db.js";
export { loadMigrations, type Migration, migrate, migrationsDir } from "./db/migrate.js";
export { type DatabaseConfig, openDatabase } from "./db/open.js";
export { appendEvents } from "./events/append-events.js";
export { createLogger } from "./logger.js";
export { type RunningServer, startServer } from "./main.js";
// Write paths, reusable by other routes (mutations)
export { type WriteRecordsResult, writeRecords } from "./records/write-records.js";
