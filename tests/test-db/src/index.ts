export { adminUrlFrom, databaseUrl, withClient } from "./connection.js";
export {
  type CreateDatabaseOptions,
  createDatabase,
  dropDatabase,
  type ThrowawayDatabase,
} from "./database.js";
