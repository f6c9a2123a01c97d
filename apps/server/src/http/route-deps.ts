import type { Logger } from "pino";
import type { Db } from "../db/db.js";
import type { KnownConsumers, LongPollLimiter } from "../delivery/receive.js";
import type { WakeHub } from "../wake/hub.js";
import type { WakeNotifier } from "../wake/notifier.js";

/** What route handlers need. */
export interface RouteDeps {
  db: Db;
  hub: WakeHub;
  notifier: WakeNotifier;
  limiter: LongPollLimiter;
  /** Consumers this server has leased from (long-polls subscribe before their first lease). */
  known: KnownConsumers;
  logger: Logger;
}
