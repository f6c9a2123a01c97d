import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Options of the metrics of one app. */
export interface MetricsOptions {
  /** Also export Node process metrics (CPU, memory, event loop, GC). Default false. */
  process?: boolean;
}

/** What the consume routes report (see delivery/routes.ts). */
export interface ConsumeMetrics {
  /** One `next` answered after `seconds`, with `messages` leased. */
  leased(seconds: number, messages: number, longPoll: boolean): void;
  /** One ack, nack or extend answered after `seconds`, acting on `count` deliveries. */
  settled(op: "ack" | "nack" | "extend" | "term", seconds: number, count: number): void;
}

/** Does nothing: the consume routes' metrics when /metrics is off. */
export const noConsumeMetrics: ConsumeMetrics = { leased() {}, settled() {} };

const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * The metrics of one app, in a Registry of its own: several apps in one process (tests, embedding)
 * never share or collide on prom-client's global registry.
 */
export class AppMetrics implements ConsumeMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "sequin_http_requests_total",
    help: "HTTP requests answered, by method, route template and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "sequin_http_request_duration_seconds",
    help: "Time to answer an HTTP request (long-polls included), by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly leaseRequests = new Counter({
    name: "sequin_lease_requests_total",
    help: "Calls of next (GET or POST), by whether they long-polled.",
    labelNames: ["long_poll"] as const,
    registers: [this.registry],
  });
  readonly messagesLeased = new Counter({
    name: "sequin_messages_leased_total",
    help: "Messages handed out by next.",
    registers: [this.registry],
  });
  readonly leaseDuration = new Histogram({
    name: "sequin_lease_duration_seconds",
    help: "Time to answer next, by whether it long-polled (a long-poll waits up to wait_for).",
    labelNames: ["long_poll"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly settleRequests = new Counter({
    name: "sequin_settle_requests_total",
    help: "Calls of ack, nack and extend.",
    labelNames: ["op"] as const,
    registers: [this.registry],
  });
  readonly messagesSettled = new Counter({
    name: "sequin_messages_settled_total",
    help: "Deliveries acked, nacked or extended (unknown ack tokens not counted).",
    labelNames: ["op"] as const,
    registers: [this.registry],
  });
  readonly settleDuration = new Histogram({
    name: "sequin_settle_duration_seconds",
    help: "Time to answer ack, nack and extend.",
    labelNames: ["op"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly pending = new Gauge({
    name: "sequin_consumer_pending_messages",
    help: "Messages waiting to be leased, per consumer (read from the database at scrape time).",
    labelNames: ["account_id", "consumer_id", "consumer"] as const,
    registers: [this.registry],
  });
  readonly ackPending = new Gauge({
    name: "sequin_consumer_ack_pending_messages",
    help: "Messages leased and not yet acked, per consumer (read at scrape time).",
    labelNames: ["account_id", "consumer_id", "consumer"] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Gauge({
    name: "sequin_consumer_dead_letters",
    help: "Dead letters waiting for a redrive, per consumer (read at scrape time).",
    labelNames: ["account_id", "consumer_id", "consumer"] as const,
    registers: [this.registry],
  });
  readonly consumerScrapeUp = new Gauge({
    name: "sequin_consumer_metrics_up",
    help: "1 when the per-consumer gauges were read from the database at this scrape, else 0.",
    registers: [this.registry],
  });
  readonly poolConnections = new Gauge({
    name: "sequin_db_pool_connections",
    help: "Postgres connections of this server's pool, by state (total, idle).",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly poolWaiting = new Gauge({
    name: "sequin_db_pool_waiting_requests",
    help: "Queries waiting for a free pooled connection.",
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    if (options.process) collectDefaultMetrics({ register: this.registry });
  }

  leased(seconds: number, messages: number, longPoll: boolean): void {
    const labels = { long_poll: String(longPoll) };
    this.leaseRequests.inc(labels);
    this.leaseDuration.observe(labels, seconds);
    if (messages > 0) this.messagesLeased.inc(messages);
  }

  settled(op: "ack" | "nack" | "extend" | "term", seconds: number, count: number): void {
    this.settleRequests.inc({ op });
    this.settleDuration.observe({ op }, seconds);
    if (count > 0) this.messagesSettled.inc({ op }, count);
  }
}
