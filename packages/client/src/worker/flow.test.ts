import { describe, expect, it } from "vitest";
import { canPoll, type FlowState, pollSize } from "./flow.js";

const base: FlowState = {
  buffered: 0,
  running: 0,
  concurrency: 4,
  prefetch: 4,
  batchSize: 100,
  batches: false,
};

describe("flow control", () => {
  it("fills the whole room when nothing is leased", () => {
    expect(canPoll(base)).toBe(true);
    expect(pollSize(base)).toBe(8);
  });

  it("never leases beyond concurrency + prefetch", () => {
    expect(canPoll({ ...base, running: 4, buffered: 4 })).toBe(false);
    expect(pollSize({ ...base, running: 4, buffered: 1 })).toBe(3);
  });

  it("waits for half of the room unless a slot idles with nothing buffered", () => {
    expect(canPoll({ ...base, running: 4, buffered: 1 })).toBe(false);
    expect(canPoll({ ...base, running: 4, buffered: 0 })).toBe(true);
    expect(canPoll({ ...base, running: 3, buffered: 0 })).toBe(true);
    expect(canPoll({ ...base, running: 2, buffered: 3 })).toBe(false);
  });

  it("caps a request at batchSize", () => {
    expect(pollSize({ ...base, batchSize: 3 })).toBe(3);
    expect(canPoll({ ...base, batchSize: 2, running: 4, buffered: 2 })).toBe(true);
  });

  it("counts batches as units with a batch handler, each request asking for batchSize", () => {
    const batches = { ...base, batches: true, concurrency: 1, prefetch: 1, batchSize: 50 };
    expect(pollSize(batches)).toBe(50);
    expect(canPoll({ ...batches, running: 1 })).toBe(true);
    expect(canPoll({ ...batches, running: 1, buffered: 1 })).toBe(false);
  });
});
