import type { Consumer, DeadLetter, PeekResponse, SequinClient } from "@sequin/client";
import { useState } from "preact/hooks";
import { errorText } from "../api";
import { href } from "../route";
import { useLoad } from "../use-load";
import { ConsumerForm } from "./consumer-form";
import { DeadLetters } from "./dead-letters";
import { Filters } from "./filters";
import { Messages } from "./messages";
import { PauseControl, pauseText } from "./pause-control";
import { Problem } from "./problem";
import { RewindControl } from "./rewind-control";

interface ConsumerView {
  consumer: Consumer;
  peek: PeekResponse;
  deadLetters: DeadLetter[];
}

const PEEK_LIMIT = 20;

async function loadConsumer(client: SequinClient, name: string): Promise<ConsumerView> {
  const consumer = await client.consumers.get(name);
  const [peek, deadLetters] = await Promise.all([
    client.consumers.peek(consumer.id, { limit: PEEK_LIMIT }),
    client.deadLetters.list(consumer.id, { limit: 100 }).firstPage(),
  ]);
  return { consumer, peek, deadLetters: deadLetters.data };
}

/**
 * One consumer: settings, pause and rewind, counts, the next messages (peeked, not leased) and
 * dead letters.
 */
export function ConsumerPage({ client, name }: { client: SequinClient; name: string }) {
  const { data, error, reload } = useLoad(() => loadConsumer(client, name), `consumer:${name}`);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>(undefined);

  /** Runs an action, then loads again (unless the consumer is gone: that would be a 404). */
  const act = async (action: () => Promise<unknown>, then: "reload" | "leave" = "reload") => {
    setActionError(undefined);
    try {
      await action();
      if (then === "reload") reload();
    } catch (err) {
      setActionError(errorText(err));
    }
  };

  if (!data) {
    return (
      <section>
        <h1>{name}</h1>
        <Problem error={error} />
        {!error && <p class="muted">Loading…</p>}
      </section>
    );
  }
  const { consumer, peek, deadLetters } = data;
  return (
    <section data-testid="consumer-page">
      <div class="title">
        <h1>{consumer.name}</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
        <button type="button" onClick={() => setEditing(!editing)}>
          {editing ? "Close editor" : "Edit"}
        </button>
        {confirmDelete ? (
          <button
            type="button"
            class="danger"
            onClick={() =>
              act(async () => {
                await client.consumers.delete(consumer.id);
                window.location.hash = href.consumers;
              }, "leave")
            }
          >
            Really delete, with its messages and dead letters?
          </button>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </div>
      <div class="controls" data-testid="controls">
        <PauseControl
          consumer={consumer}
          onUpdate={(body) => act(() => client.consumers.update(consumer.id, body))}
        />
        <RewindControl
          consumer={consumer}
          onRewind={async (body) => {
            let pending: number | undefined;
            await act(async () => {
              pending = (await client.consumers.rewind(consumer.id, body)).info.num_pending;
            });
            return pending;
          }}
        />
      </div>
      <Problem error={error ?? actionError} />
      {editing && (
        <ConsumerForm
          client={client}
          consumer={consumer}
          onSaved={(saved) => {
            setEditing(false);
            if (saved.name !== name) window.location.hash = href.consumer(saved.name);
            else reload();
          }}
        />
      )}
      <dl class="settings">
        <dt>Id</dt>
        <dd>
          <code>{consumer.id}</code>
        </dd>
        <dt>Stream</dt>
        <dd>
          <code>{consumer.stream_id}</code>
        </dd>
        <dt>State</dt>
        <dd data-testid="state" class={consumer.paused ? "paused" : ""}>
          {pauseText(consumer)}
        </dd>
        <dt>Kind</dt>
        <dd>{consumer.kind}</dd>
        <dt>Filters</dt>
        <dd>
          <Filters filters={consumer.filters} />
        </dd>
        <dt>Deliver policy</dt>
        <dd>{consumer.deliver_policy}</dd>
        <dt>Ordering</dt>
        <dd data-testid="ordering">
          {consumer.ordering}
          {consumer.ordering === "per_key" &&
            (consumer.key_path ? (
              <>
                {" "}
                by <code>{consumer.key_path}</code>
              </>
            ) : (
              ` by ${consumer.kind === "record" ? "record" : "the event's record"}`
            ))}
        </dd>
        <dt>ack_wait_ms</dt>
        <dd>{consumer.ack_wait_ms}</dd>
        <dt>max_deliver</dt>
        <dd>{consumer.max_deliver === -1 ? "no limit" : consumer.max_deliver}</dd>
        <dt>max_ack_pending</dt>
        <dd>{consumer.max_ack_pending}</dd>
        <dt>backoff_ms</dt>
        <dd
          data-testid="backoff"
          title="Wait before the n-th redelivery of a failed message; the last value from then on"
        >
          {/* A server older than backoff_ms leaves it out. */}
          {consumer.backoff_ms?.join(", ") ?? "—"}
        </dd>
      </dl>
      <div class="counts">
        <div>
          <span data-testid="pending">{peek.info.num_pending}</span> pending
        </div>
        <div>
          <span data-testid="ack-pending">{peek.info.num_ack_pending}</span> ack-pending
        </div>
        <div class={peek.info.num_dead_letters > 0 ? "warn" : ""}>
          <span data-testid="dead">{peek.info.num_dead_letters}</span> dead letters
        </div>
      </div>
      <h2>Next messages (peeked, not leased)</h2>
      <Messages messages={peek.data} limit={PEEK_LIMIT} />
      <h2>Dead letters</h2>
      <DeadLetters
        letters={deadLetters}
        onRedrive={(ids) => act(() => client.deadLetters.redrive(consumer.id, ids ? { ids } : {}))}
      />
    </section>
  );
}
