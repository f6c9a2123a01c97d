import type { PeekedMessage } from "@sequin/client";
import { LastError } from "./last-error";
import { Payload } from "./payload";

const time = (at: string | null) => (at ? new Date(at).toLocaleTimeString() : "");

/** The next messages of a consumer in delivery order, as peeked. */
export function Messages({ messages, limit }: { messages: PeekedMessage[]; limit: number }) {
  if (messages.length === 0) return <p class="muted">Nothing pending.</p>;
  return (
    <>
      <table data-testid="messages">
        <thead>
          <tr>
            <th>#</th>
            <th>State</th>
            <th class="num">Deliveries</th>
            <th>Lease ends</th>
            <th title="When a message waiting out a retry delay or backoff is delivered again">
              Retry at
            </th>
            <th>Last error</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.id} data-state={m.state} data-waiting={m.retry_at ? "" : undefined}>
              <td>
                <code>{m.id}</code>
              </td>
              <td>{m.state}</td>
              <td class="num">{m.deliver_count}</td>
              <td>{time(m.lease_expires_at)}</td>
              <td data-testid="retry-at">{time(m.retry_at)}</td>
              <td data-testid="last-error">
                <LastError text={m.last_error} />
              </td>
              <td>
                <Payload record={m.record} event={m.event} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {messages.length >= limit && <p class="muted">The first {limit} only.</p>}
    </>
  );
}
