import type { Consumer, PeekResponse, SequinClient } from "@sequin/client";
import { href } from "../route";
import { useLoad } from "../use-load";
import { Filters } from "./filters";
import { Problem } from "./problem";

interface ConsumerRow {
  consumer: Consumer;
  info: PeekResponse["info"];
}

async function loadConsumers(client: SequinClient): Promise<ConsumerRow[]> {
  const consumers = await client.consumers.list().toArray();
  // peek with limit 1 is the cheapest call that answers all three counts.
  return Promise.all(
    consumers.map(async (consumer) => ({
      consumer,
      info: (await client.consumers.peek(consumer.id, { limit: 1 })).info,
    })),
  );
}

/** Every consumer with its filters and counts. */
export function ConsumersPage({ client }: { client: SequinClient }) {
  const { data, error, reload } = useLoad(() => loadConsumers(client), "consumers");
  return (
    <section>
      <div class="title">
        <h1>Consumers</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
        <a class="button primary" href={href.newConsumer}>
          New consumer
        </a>
      </div>
      <Problem error={error} />
      {data && data.length === 0 && <p class="muted">No consumers yet.</p>}
      {data && data.length > 0 && (
        <table data-testid="consumers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Filters</th>
              <th class="num">Pending</th>
              <th class="num">Ack-pending</th>
              <th class="num">Dead letters</th>
            </tr>
          </thead>
          <tbody>
            {data.map(({ consumer, info }) => (
              <tr key={consumer.id} data-consumer={consumer.name}>
                <td>
                  <a href={href.consumer(consumer.name)}>{consumer.name}</a>
                </td>
                <td>{consumer.kind}</td>
                <td>
                  <Filters filters={consumer.filters} />
                </td>
                <td class="num" data-testid="pending">
                  {info.num_pending}
                </td>
                <td class="num" data-testid="ack-pending">
                  {info.num_ack_pending}
                </td>
                <td class={`num ${info.num_dead_letters > 0 ? "warn" : ""}`} data-testid="dead">
                  {info.num_dead_letters}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!data && !error && <p class="muted">Loading…</p>}
    </section>
  );
}
