import type { PeekedMessage } from "@sequin/client";
import { Payload } from "./payload";

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
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.id} data-state={m.state}>
              <td>
                <code>{m.id}</code>
              </td>
              <td>{m.state}</td>
              <td class="num">{m.deliver_count}</td>
              <td>{m.lease_expires_at ? new Date(m.lease_expires_at).toLocaleTimeString() : ""}</td>
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
