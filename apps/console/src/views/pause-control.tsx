import type { Consumer, ConsumerUpdate } from "@sequin/client";
import { useState } from "preact/hooks";

const DURATIONS = [
  { label: "until resumed", ms: 0 },
  { label: "for 15 minutes", ms: 15 * 60_000 },
  { label: "for 1 hour", ms: 60 * 60_000 },
  { label: "for 1 day", ms: 24 * 60 * 60_000 },
] as const;

/** "paused until resumed" or "paused until <end>": the consumer's pause as the API shows it. */
export function pauseText(consumer: Consumer): string {
  if (!consumer.paused) return "running";
  return consumer.paused_until
    ? `paused until ${new Date(consumer.paused_until).toLocaleString()}`
    : "paused until resumed";
}

/**
 * Pauses the consumer (until resumed, or for a while: `paused_until`) or resumes it, with
 * `PATCH paused`. While paused its workers lease nothing; what they hold they still settle.
 */
export function PauseControl({
  consumer,
  onUpdate,
}: {
  consumer: Consumer;
  onUpdate: (body: ConsumerUpdate) => void;
}) {
  const [duration, setDuration] = useState(0);
  if (consumer.paused) {
    return (
      <>
        <span class="paused" data-testid="paused">
          {pauseText(consumer)}
        </span>
        <button type="button" class="primary" onClick={() => onUpdate({ paused: false })}>
          Resume
        </button>
      </>
    );
  }
  const pause = () =>
    onUpdate(
      duration === 0
        ? { paused: true }
        : { paused_until: new Date(Date.now() + duration).toISOString() },
    );
  return (
    <>
      <button type="button" onClick={pause}>
        Pause
      </button>
      <select
        name="pause-for"
        aria-label="Pause for"
        value={String(duration)}
        onChange={(e) => setDuration(Number(e.currentTarget.value))}
      >
        {DURATIONS.map((d) => (
          <option key={d.ms} value={String(d.ms)}>
            {d.label}
          </option>
        ))}
      </select>
    </>
  );
}
