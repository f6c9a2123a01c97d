import { vi } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { createFakeConsumer, type FakeConsumerOptions } from "./fake-consumer.js";

/** A fake consumer, a client on it (no client-level retries) and a recorder of worker errors. */
export function workerSetup(options: FakeConsumerOptions = {}) {
  const server = createFakeConsumer(options);
  const client = createClient({
    baseUrl: "http://sequin.test",
    token: "t",
    fetch: server.fetch,
    maxRetries: 0,
  });
  const errors: { error: unknown; during: string }[] = [];
  const onError = vi.fn((error: unknown, info: { during: string }) => {
    errors.push({ error, during: info.during });
  });
  return { server, client, errors, onError };
}

/** Resolves after `ms` of fake time, running everything due meanwhile. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Sleeps on the (fake) timers. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops a worker while fake time runs on, in small steps, until it has drained. */
export async function stopWorker(
  worker: { stop(): Promise<void> },
  maxMs = 120_000,
): Promise<void> {
  let settled = false;
  const stopped = worker.stop().finally(() => {
    settled = true;
  });
  for (let waited = 0; !settled && waited < maxMs; waited += 10)
    await vi.advanceTimersByTimeAsync(10);
  return stopped;
}
