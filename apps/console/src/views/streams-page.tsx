import type { SequinClient, Stream, StreamStats } from "@sequin/client";
import { useLoad } from "../use-load";
import { Problem } from "./problem";

interface StreamRow {
  stream: Stream;
  stats: StreamStats;
}

async function loadStreams(client: SequinClient): Promise<StreamRow[]> {
  const streams = await client.streams.list().toArray();
  return Promise.all(
    streams.map(async (stream) => ({ stream, stats: await client.streams.stats(stream.id) })),
  );
}

const days = (ms: number) => `${Math.round((ms / 86_400_000) * 10) / 10} d`;

/** Every stream of the account with its record and event counts. */
export function StreamsPage({ client }: { client: SequinClient }) {
  const { data, error, reload } = useLoad(() => loadStreams(client), "streams");
  return (
    <section>
      <div class="title">
        <h1>Streams</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <Problem error={error} />
      {data && (
        <table data-testid="streams">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th class="num">Records</th>
              <th class="num">Events</th>
              <th class="num">Event retention</th>
            </tr>
          </thead>
          <tbody>
            {data.map(({ stream, stats }) => (
              <tr key={stream.id} data-stream={stream.name}>
                <td>{stream.name}</td>
                <td>
                  <code>{stream.id}</code>
                </td>
                <td class="num" data-testid="record-count">
                  {stats.record_count}
                </td>
                <td class="num" data-testid="event-count">
                  {stats.event_count}
                </td>
                <td class="num">{days(stream.event_retention_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!data && !error && <p class="muted">Loading…</p>}
    </section>
  );
}
