import type { DeadLetter } from "@sequin/client";
import { LastError } from "./last-error";
import { Payload } from "./payload";

const CAUSES: Record<DeadLetter["cause"], string> = {
  max_deliver: "max_deliver reached",
  terminated: "terminated",
};

/** Dead letters with why they died, a redrive button each, and one for all. */
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
            <th>Cause</th>
            <th>Last error</th>
            <th>Message</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {letters.map((d) => (
            <tr key={d.id} data-cause={d.cause}>
              <td>
                <code>{d.id}</code>
              </td>
              <td class="num">{d.deliver_count}</td>
              <td>{new Date(d.dead_at).toLocaleString()}</td>
              <td data-testid="cause">{CAUSES[d.cause] ?? d.cause}</td>
              <td data-testid="last-error">
                <LastError text={d.last_error} />
              </td>
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
