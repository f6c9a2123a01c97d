import type { components } from "../generated/openapi.gen.js";
import { validationFailed } from "./errors.js";
import type { WireConsumer, WireEvent } from "./store.js";

type ConsumerCreate = components["schemas"]["ConsumerCreate"];
type ErrorDetail = { path: string; message: string };

/**
 * The consumer's ordering, as the server decides it: record consumers are per-key by construction
 * (one row per record) and take no other setting; event consumers default to per_key; a key path
 * only means something with per_key.
 */
export function orderingOf(
  kind: "record" | "event",
  input: Pick<ConsumerCreate, "ordering" | "key_path">,
): Pick<WireConsumer, "ordering" | "key_path"> {
  const keyPath = input.key_path ?? null;
  if (kind === "record") {
    const details: ErrorDetail[] = [];
    if (input.ordering === "none") {
      details.push({
        path: "ordering",
        message: "record consumers deliver one message per record: ordering is always per_key",
      });
    }
    if (keyPath !== null) {
      details.push({
        path: "key_path",
        message: "record consumers are keyed by the record: key_path is for event consumers",
      });
    }
    if (details.length > 0) throw validationFailed(details);
    return { ordering: "per_key", key_path: null };
  }
  const ordering = input.ordering ?? "per_key";
  if (ordering === "none" && keyPath !== null) {
    throw validationFailed([{ path: "key_path", message: "a key path needs ordering: per_key" }]);
  }
  return { ordering, key_path: keyPath };
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
