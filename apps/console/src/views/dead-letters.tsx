import type { DeadLetter } from "@sequin/client";
import { Payload } from "./payload";

/** Dead letters with a redrive button each, and one for all. */
export function DeadLetters({
  letters,
  onRedrive,
}: {
  letters: DeadLetter[];
  /** Redrives the given ids, or every dead letter without. */
  onRedrive: (ids?: string[]) => void;
}) {
  if (letters.length === 0) return <p class="muted">No dead letters.</p>;
  return (
    <>
      <button type="button" class="primary" onClick={() => onRedrive()}>
        Redrive all
      </button>
      <table data-testid="dead-letters">
        <thead>
          <tr>
            <th>#</th>
            <th class="num">Deliveries</th>
            <th>Dead since</th>
            <th>Message</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {letters.map((d) => (
            <tr key={d.id}>
              <td>
                <code>{d.id}</code>
              </td>
              <td class="num">{d.deliver_count}</td>
              <td>{new Date(d.dead_at).toLocaleString()}</td>
              <td>
                <Payload record={d.record} event={d.event} />
              </td>
              <td>
                <button type="button" onClick={() => onRedrive([d.id])}>
                  Redrive
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
