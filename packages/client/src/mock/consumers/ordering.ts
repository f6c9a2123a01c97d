import { consumerOrdering } from "../../api-rules.js";
import type { components } from "../../generated/openapi.gen.js";
import { validationFailed } from "../http/errors.js";
import type { WireConsumer, WireEvent } from "../state/store.js";

type ConsumerCreate = components["schemas"]["ConsumerCreate"];

/** The consumer's ordering, as the server decides it (see consumerOrdering); 422 on a bad mix. */
export function orderingOf(
  kind: "record" | "event",
  input: Pick<ConsumerCreate, "ordering" | "key_path">,
): Pick<WireConsumer, "ordering" | "key_path"> {
  const { problems, ...ordering } = consumerOrdering(kind, input);
  if (problems.length > 0) throw validationFailed(problems);
  return ordering;
}

/**
 * The ordering key of an event in a consumer, or undefined when the consumer has no per-key rule
 * or the event has no key: the value at the key path when it finds a non-null value, otherwise
 * the record the event belongs to. Objects and arrays found at the path are keyed by their JSON.
 */
export function eventOrderKey(consumer: WireConsumer, event: WireEvent): string | undefined {
  if (consumer.ordering !== "per_key") return undefined;
  if (consumer.key_path) {
    const found = valueAt(event, consumer.key_path.split("."));
    if (found !== undefined && found !== null) {
      return `k:${typeof found === "string" ? found : JSON.stringify(found)}`;
    }
  }
  if (event.record_id) return `r:${event.record_id}`;
  if (event.upstream_id != null) return `r:${event.collection_id}\u001f${event.upstream_id}`;
  return undefined;
}

// Like Postgres' `#>>`: names step into objects, whole numbers into arrays.
function valueAt(root: unknown, path: readonly string[]): unknown {
  let at: unknown = root;
  for (const name of path) {
    if (Array.isArray(at)) {
      if (!/^\d+$/.test(name)) return undefined;
      at = at[Number(name)];
    } else if (at !== null && typeof at === "object" && Object.hasOwn(at, name)) {
      at = (at as Record<string, unknown>)[name];
    } else {
      return undefined;
    }
  }
  return at;
}
