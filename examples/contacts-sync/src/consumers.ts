import {
  ConflictError,
  type Consumer,
  type ConsumerCreate,
  NotFoundError,
  type SequinClient,
} from "@sequin/client";
import { CONTACT_COLLECTION, type Config } from "./config.js";

/** The consumers this service reads, as it creates them when they are missing. */
export function consumerSpecs(
  config: Pick<Config, "contactsConsumer" | "welcomeConsumer" | "streamId">,
): ConsumerCreate[] {
  const stream = config.streamId ? { stream_id: config.streamId } : {};
  return [
    {
      name: config.contactsConsumer,
      ...stream,
      kind: "record",
      // `all`: a new deployment backfills every contact already in the stream.
      deliver_policy: "all",
      filters: { collection_id: CONTACT_COLLECTION },
    },
    {
      name: config.welcomeConsumer,
      ...stream,
      kind: "event",
      // `new`: contacts created before this service existed get no welcome email.
      deliver_policy: "new",
      filters: { collection_id: CONTACT_COLLECTION },
    },
  ];
}

/** A consumer of that name exists but reads something else: refuse rather than misbehave. */
export class ConsumerMismatchError extends Error {
  override name = "ConsumerMismatchError";
}

function checkMatches(found: Consumer, wanted: ConsumerCreate): Consumer {
  const wrong =
    found.kind !== wanted.kind ||
    found.filters.collection_id !== wanted.filters?.collection_id ||
    (wanted.stream_id !== undefined && found.stream_id !== wanted.stream_id);
  if (wrong) {
    throw new ConsumerMismatchError(
      `consumer "${found.name}" exists with kind ${found.kind}, collection ${found.filters.collection_id}` +
        ` and stream ${found.stream_id}; this service needs kind ${wanted.kind} of ${wanted.filters?.collection_id}` +
        " (rename it with CONTACTS_CONSUMER / WELCOME_CONSUMER, or delete it)",
    );
  }
  return found;
}

/** Gets the consumer, or creates it when it does not exist (another instance may race us). */
export async function ensureConsumer(
  client: Pick<SequinClient, "consumers">,
  wanted: ConsumerCreate,
): Promise<Consumer> {
  try {
    return checkMatches(await client.consumers.get(wanted.name), wanted);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    return await client.consumers.create(wanted);
  } catch (error) {
    // Another instance created it between our get and create.
    if (error instanceof ConflictError) {
      return checkMatches(await client.consumers.get(wanted.name), wanted);
    }
    throw error;
  }
}

/** Makes sure both consumers exist; returns them in the order of `consumerSpecs`. */
export async function ensureConsumers(
  client: Pick<SequinClient, "consumers">,
  config: Pick<Config, "contactsConsumer" | "welcomeConsumer" | "streamId">,
): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  for (const spec of consumerSpecs(config)) consumers.push(await ensureConsumer(client, spec));
  return consumers;
}
