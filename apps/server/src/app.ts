import express, { type Express } from "express";
import pino, { type Logger } from "pino";
import {
  type BackgroundOptions,
  type BackgroundTasks,
  startBackgroundTasks,
} from "./background/tasks.js";
import { consumerRoutes } from "./consumers/routes.js";
import type { Db } from "./db/db.js";
import { peekRoutes } from "./delivery/peek-routes.js";
import { KnownConsumers, LongPollLimiter } from "./delivery/receive.js";
import { consumeRoutes } from "./delivery/routes.js";
import { authenticate } from "./http/auth.js";
import { jsonParser, storableJson } from "./http/body.js";
import { errorHandler, notFoundRoute } from "./http/error-handler.js";
import { healthRoute } from "./http/health.js";
import { indexRoute } from "./http/index-route.js";
import { requestId } from "./http/request-id.js";
import type { RouteDeps } from "./http/route-deps.js";
import { specRoutes } from "./http/spec-routes.js";
import { httpMetrics } from "./metrics/http-metrics.js";
import { AppMetrics, type MetricsOptions, noConsumeMetrics } from "./metrics/metrics.js";
import { metricsRoutes } from "./metrics/routes.js";
import { mutationRoutes } from "./mutations/routes.js";
import { streamUpstream } from "./mutations/stream-upstream.js";
import type { Upstream } from "./mutations/upstream.js";
import { consoleRoutes } from "./pages/console.js";
import { docsRoutes } from "./pages/docs.js";
import { streamRoutes } from "./streams/routes.js";
import { streamStatsRoutes } from "./streams/stats-routes.js";
import { WakeHub } from "./wake/hub.js";
import { WakeNotifier } from "./wake/notifier.js";

/** What the app is built from. */
export interface AppDeps {
  /** The database (see openDatabase); migrated already. The app does not close it. */
  db: Db;
  /** Logger. Default: pino at level `info`. */
  logger?: Logger;
  /** Most concurrent long-polls per consumer in this server; more get a 429. Default 100. */
  maxLongPollsPerConsumer?: number;
  /** Intervals of the background tasks. */
  background?: BackgroundOptions;
  /** Run the background tasks on timers. Default true (tests may run them by hand). */
  runBackgroundTasks?: boolean;
  /** Where mutations are applied before the stream. Default: the stream is the system of record. */
  upstream?: Upstream;
  /** Prometheus metrics at /metrics, without a token; `false` turns them off. Default `{}`. */
  metrics?: MetricsOptions | false;
  /** The built console served at /console. Default: the @sequin/console package's dist. */
  consoleDir?: string;
}

/** The app and the parts that outlive single requests. */
export interface SequinApp {
  /** The Express app: pass it to http.createServer or app.listen. */
  app: Express;
  /** Resolves when this server receives other servers' wake-ups (LISTEN is set up). */
  ready: Promise<void>;
  /** The background tasks, also runnable by hand. */
  tasks: BackgroundTasks;
  /** This app's metrics (its own prom-client Registry); undefined when turned off. */
  metrics: AppMetrics | undefined;
  /** How many requests (long-polls on `next`, mutations awaiting consumers) are parked now. */
  readonly waiting: number;
  /** Resolves once at least `count` requests are parked in this app; for tests, like the mock's. */
  whenWaiting(count?: number): Promise<void>;
  /** Stops background tasks and wake-ups and answers open long-polls; does not close the database. */
  close(): Promise<void>;
}

/** Builds the Express app of the reference server. It never listens. */
export function createApp(deps: AppDeps): SequinApp {
  const logger = deps.logger ?? pino({ level: "info" });
  const hub = new WakeHub();
  const notifier = new WakeNotifier(deps.db, hub, logger);
  const ready = notifier.start();
  ready.catch((err) => logger.error({ err }, "could not LISTEN for wake-ups"));
  const tasks = startBackgroundTasks(
    deps.db,
    logger,
    deps.background,
    deps.runBackgroundTasks ?? true,
  );
  const routeDeps: RouteDeps = {
    db: deps.db,
    hub,
    notifier,
    limiter: new LongPollLimiter(deps.maxLongPollsPerConsumer ?? 100),
    known: new KnownConsumers(),
    logger,
  };

  const metrics = deps.metrics === false ? undefined : new AppMetrics(deps.metrics);

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestId);
  if (metrics) app.use(httpMetrics(metrics));
  app.use(specRoutes);
  app.get("/", indexRoute);
  app.get("/health", healthRoute(deps.db));
  // Public: metrics for scrapers, the API reference, the console's static files (its API calls
  // carry the user's token).
  if (metrics) app.use(metricsRoutes(deps.db, metrics, logger));
  app.use(docsRoutes());
  app.use(consoleRoutes(deps.consoleDir));
  app.use(authenticate(deps.db));
  app.use(jsonParser, storableJson);
  app.use(streamRoutes(routeDeps));
  app.use(streamStatsRoutes(routeDeps));
  app.use(consumerRoutes(routeDeps));
  app.use(consumeRoutes(routeDeps, metrics ?? noConsumeMetrics));
  app.use(peekRoutes(routeDeps));
  app.use(mutationRoutes(routeDeps, deps.upstream ?? streamUpstream));
  app.use(notFoundRoute);
  app.use(errorHandler(logger));

  return {
    app,
    ready,
    tasks,
    metrics,
    get waiting() {
      return hub.parked;
    },
    whenWaiting: (count = 1) => hub.whenParked(count),
    async close() {
      hub.close();
      await tasks.stop();
      await notifier.close();
    },
  };
}
