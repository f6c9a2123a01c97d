import type {
  Consumer,
  ConsumerCreate,
  RecordInput,
  RecordUpsertResult,
  SequinClient,
} from "@sequin/client";
import type { Target } from "./targets/target.js";

/** What a scenario runs with: a fresh account and stream on one target, and its clock. */
export interface ScenarioContext {
  /** The target; scenarios use only its clock (`advance`, `mark`, `now`) and `newAccount`. */
  readonly target: Target;
  /** A client of this scenario's own account (no retries: a retry would hide what was answered). */
  readonly client: SequinClient;
  /** This scenario's account token. */
  readonly token: string;
  /** A stream created for this scenario. */
  readonly streamId: string;
  /** A name no other scenario uses. */
  name(prefix?: string): string;
  /** A client with another token (same options). */
  clientFor(token: string): SequinClient;
  /** Raw fetch of `path` on the target, with this account's token unless `auth: false`. */
  fetch(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  /** Creates a consumer of this scenario's stream under a unique name. */
  consumer(body?: Partial<ConsumerCreate>): Promise<Consumer>;
  /** Upserts records into this scenario's stream. */
  upsert(records: RecordInput[]): Promise<RecordUpsertResult[]>;
}

/** One behaviour of the API, written once, run on every target. */
export interface Scenario {
  /** Groups scenarios in the report: `leasing`, `long-poll`, `mutations`... */
  area: string;
  /** What must hold, as a sentence. */
  name: string;
  /**
   * Set when the scenario depends on time: how it moves time. Servers really wait; the mock
   * cannot match wall-clock timing, so there the same step moves its manual clock.
   */
  clock?: string;
  /**
   * A behaviour difference found between targets and not fixed yet: what differs. The scenario
   * still asserts what the spec says; this note shows up in the report.
   */
  knownDifference?: string;
  /**
   * Targets that genuinely cannot show this behaviour, by name, each with why (the mock keeps
   * times as JavaScript dates, to the millisecond). The scenario is skipped there and the report
   * lists it apart, so the targets that run it still count as agreeing.
   */
  notOn?: Readonly<Record<string, string>>;
  run(ctx: ScenarioContext): Promise<void>;
}
