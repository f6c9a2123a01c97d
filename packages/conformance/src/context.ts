import { createClient, type SequinClient } from "@sequin/client";
import type { Scenario, ScenarioContext } from "./scenario.js";
import type { Target } from "./targets/target.js";

let counter = 0;

function clientOf(target: Target, token: string): SequinClient {
  return createClient({ baseUrl: target.baseUrl, token, maxRetries: 0, timeout: 30_000 });
}

/** Builds a scenario's context: a fresh account on the target, with a fresh stream in it. */
export async function createScenarioContext(
  target: Target,
  scenario: Scenario,
): Promise<ScenarioContext> {
  const run = ++counter;
  const token = await target.newAccount();
  const client = clientOf(target, token);
  let names = 0;
  const name = (prefix = "c") => `${prefix}-${run}-${++names}-${Date.now().toString(36)}`;
  const stream = await client.streams.create({ name: name(scenario.area.replace(/\W/g, "")) });
  return {
    target,
    client,
    token,
    streamId: stream.id,
    name,
    clientFor: (other) => clientOf(target, other),
    fetch(path, { auth = true, headers, ...init } = {}) {
      const all = new Headers(headers);
      if (auth) all.set("authorization", `Bearer ${token}`);
      return fetch(`${target.baseUrl}${path}`, { ...init, headers: all });
    },
    consumer: (body = {}) =>
      client.consumers.create({ name: name("consumer"), stream_id: stream.id, ...body }),
    upsert: (records) => client.records.upsert(stream.id, records),
  };
}
