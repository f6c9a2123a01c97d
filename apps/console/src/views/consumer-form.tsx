import type { Consumer, ConsumerCreate, ConsumerUpdate, SequinClient } from "@sequin/client";
import { useState } from "preact/hooks";
import { errorText } from "../api";
import { href } from "../route";
import { useLoad } from "../use-load";
import { Problem } from "./problem";

const FILTERS = ["collection_id", "resource_id", "provider", "sync_id"] as const;
type FilterName = (typeof FILTERS)[number];

interface Fields {
  name: string;
  stream_id: string;
  kind: "record" | "event";
  deliver_policy: "all" | "new";
  /** Event consumers: per_key (default) or none; fixed at creation. */
  ordering: "none" | "per_key";
  /** Event consumers with per_key: where the key is (blank: the record). */
  key_path: string;
  filters: Record<FilterName, string>;
  ack_wait_ms: string;
  max_deliver: string;
  max_ack_pending: string;
  /** Comma- or space-separated ms; blank keeps the current (or default) schedule. */
  backoff_ms: string;
}

function fieldsOf(consumer: Consumer | undefined): Fields {
  return {
    name: consumer?.name ?? "",
    stream_id: consumer?.stream_id ?? "",
    kind: consumer?.kind ?? "record",
    deliver_policy: consumer?.deliver_policy ?? "all",
    ordering: consumer?.ordering ?? "per_key",
    key_path: consumer?.key_path ?? "",
    filters: {
      collection_id: consumer?.filters.collection_id ?? "*",
      resource_id: consumer?.filters.resource_id ?? "*",
      provider: consumer?.filters.provider ?? "*",
      sync_id: consumer?.filters.sync_id ?? "*",
    },
    ack_wait_ms: String(consumer?.ack_wait_ms ?? ""),
    max_deliver: String(consumer?.max_deliver ?? ""),
    max_ack_pending: String(consumer?.max_ack_pending ?? ""),
    backoff_ms: consumer?.backoff_ms?.join(", ") ?? "",
  };
}

/** A number field's value; not a number, it is sent as is, so the server's 422 names the field. */
const number = (text: string) => (/^-?\d+$/.test(text) ? Number(text) : text) as number;

/** The settings both create and update take; a blank number keeps the server's default. */
function common(fields: Fields): ConsumerUpdate {
  const body: ConsumerUpdate = {
    name: fields.name.trim(),
    filters: Object.fromEntries(FILTERS.map((f) => [f, fields.filters[f].trim() || "*"])),
  };
  for (const key of ["ack_wait_ms", "max_deliver", "max_ack_pending"] as const) {
    const text = fields[key].trim();
    if (text) body[key] = number(text);
  }
  const backoff = fields.backoff_ms.split(/[\s,]+/).filter(Boolean);
  if (backoff.length > 0) body.backoff_ms = backoff.map(number);
  return body;
}

/**
 * Creates a consumer, or edits one (`consumer` given): stream, kind and deliver policy are fixed
 * at creation, as the API says. The server validates; its error is shown as it is.
 */
export function ConsumerForm({
  client,
  consumer,
  onSaved,
}: {
  client: SequinClient;
  consumer?: Consumer;
  onSaved?: (consumer: Consumer) => void;
}) {
  const editing = consumer !== undefined;
  const [fields, setFields] = useState(() => fieldsOf(consumer));
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const streams = useLoad(() => client.streams.list().toArray(), "form-streams", 60_000);
  const set = (patch: Partial<Fields>) => setFields((f) => ({ ...f, ...patch }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let saved: Consumer;
      if (consumer) {
        saved = await client.consumers.update(consumer.id, common(fields));
      } else {
        const body: ConsumerCreate = {
          ...common(fields),
          name: fields.name.trim(),
          kind: fields.kind,
          deliver_policy: fields.deliver_policy,
        };
        if (fields.kind === "event") {
          body.ordering = fields.ordering;
          if (fields.ordering === "per_key" && fields.key_path.trim())
            body.key_path = fields.key_path.trim();
        }
        if (fields.stream_id) body.stream_id = fields.stream_id;
        saved = await client.consumers.create(body);
      }
      if (onSaved) onSaved(saved);
      else window.location.hash = href.consumer(saved.name);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="consumer-form" onSubmit={submit} data-testid="consumer-form">
      {!editing && <h1>New consumer</h1>}
      <label>
        Name
        <input
          name="name"
          required
          value={fields.name}
          onInput={(e) => set({ name: e.currentTarget.value })}
        />
      </label>
      {!editing && (
        <>
          <label>
            Stream
            <select
              name="stream_id"
              value={fields.stream_id}
              onChange={(e) => set({ stream_id: e.currentTarget.value })}
            >
              <option value="">default stream</option>
              {streams.data?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Kind
            <select
              name="kind"
              value={fields.kind}
              onChange={(e) => set({ kind: e.currentTarget.value as Fields["kind"] })}
            >
              <option value="record">record</option>
              <option value="event">event</option>
            </select>
          </label>
          <label>
            Deliver
            <select
              name="deliver_policy"
              value={fields.deliver_policy}
              onChange={(e) =>
                set({ deliver_policy: e.currentTarget.value as Fields["deliver_policy"] })
              }
            >
              <option value="all">all (what the stream holds, then new)</option>
              <option value="new">new (only what is written from now on)</option>
            </select>
          </label>
          {fields.kind === "event" && (
            <>
              <label>
                Ordering
                <select
                  name="ordering"
                  value={fields.ordering}
                  onChange={(e) => set({ ordering: e.currentTarget.value as Fields["ordering"] })}
                >
                  <option value="per_key">per_key (one at a time per key, in order)</option>
                  <option value="none">none (a key's events may run at once)</option>
                </select>
              </label>
              {fields.ordering === "per_key" && (
                <label>
                  Key path (blank: the record)
                  <input
                    name="key_path"
                    placeholder="data.AccountId"
                    value={fields.key_path}
                    onInput={(e) => set({ key_path: e.currentTarget.value })}
                  />
                </label>
              )}
            </>
          )}
        </>
      )}
      <fieldset>
        <legend>Filters (* matches anything)</legend>
        {FILTERS.map((name) => (
          <label key={name}>
            {name}
            <input
              name={`filter-${name}`}
              value={fields.filters[name]}
              onInput={(e) =>
                set({ filters: { ...fields.filters, [name]: e.currentTarget.value } })
              }
            />
          </label>
        ))}
      </fieldset>
      <label>
        ack_wait_ms
        <input
          name="ack_wait_ms"
          inputMode="numeric"
          placeholder="30000"
          value={fields.ack_wait_ms}
          onInput={(e) => set({ ack_wait_ms: e.currentTarget.value })}
        />
      </label>
      <label>
        max_deliver
        <input
          name="max_deliver"
          inputMode="numeric"
          placeholder="-1 (no limit)"
          value={fields.max_deliver}
          onInput={(e) => set({ max_deliver: e.currentTarget.value })}
        />
      </label>
      <label>
        max_ack_pending
        <input
          name="max_ack_pending"
          inputMode="numeric"
          placeholder="1000"
          value={fields.max_ack_pending}
          onInput={(e) => set({ max_ack_pending: e.currentTarget.value })}
        />
      </label>
      <label>
        backoff_ms (wait before each redelivery of a failed message; the last one repeats)
        <input
          name="backoff_ms"
          placeholder="0, 1000, 5000, 30000"
          value={fields.backoff_ms}
          onInput={(e) => set({ backoff_ms: e.currentTarget.value })}
        />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {editing ? "Save" : "Create consumer"}
        </button>
        {!editing && <a href={href.consumers}>Cancel</a>}
      </div>
      <Problem error={error} />
    </form>
  );
}
