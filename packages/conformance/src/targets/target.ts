/** Where a target's time comes from. */
export type TimeSource = "wall-clock" | "mock-clock";

/**
 * One implementation of the API the scenarios run against: the server on Postgres, the server on
 * PGlite, or the MSW mock. Scenarios see only this, a client and raw fetch.
 */
export interface Target {
  /** Short name, used as the top-level describe block and in the report. */
  readonly name: string;
  /** Root URL the client calls. */
  readonly baseUrl: string;
  /** A token of the target's first account. */
  readonly token: string;
  /** Servers wait for real; the mock moves its manual clock. */
  readonly time: TimeSource;
  /** Creates a fresh account (with its own `default` stream) and returns its token. */
  newAccount(): Promise<string>;
  /**
   * Lets `ms` of the target's time pass: leases expire, long-polls and mutation awaits that are
   * due end. Servers sleep; the mock advances its clock without sleeping.
   */
  advance(ms: number): Promise<void>;
  /**
   * Marks the number of parked requests (long-polls, mutation awaits) now; see `ParkedMark`.
   * Both the mock and the server count their parked requests, so this waits on that count.
   */
  mark(): ParkedMark;
  /** The target's current time, epoch ms. */
  now(): number;
  /** Runs after every scenario: ends what a failed scenario may have left parked. */
  afterScenario(): Promise<void>;
  /** Stops everything; `keep` keeps stored data for inspection (a scenario failed). */
  close(options: { keep: boolean }): Promise<void>;
}

/** A point in time from which newly parked requests are counted. */
export interface ParkedMark {
  /**
   * Resolves once every one of `requests` (started after the mark) is parked, or as soon as one
   * of them has answered: a request that answered early must not leave the scenario waiting.
   */
  parked(...requests: Promise<unknown>[]): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
