import type { Consumer, RewindBody } from "@sequin/client";
import { useState } from "preact/hooks";

type From = "start" | "time" | "position";

/**
 * Rewinds the consumer (`POST .../rewind`) after a confirmation: from the start, from a time, or
 * from an event seq / a record's updated_idx. Shows the counts the server answered.
 */
export function RewindControl({
  consumer,
  onRewind,
}: {
  consumer: Consumer;
  /** Sends the rewind; resolves to the pending count after it, or undefined when it failed. */
  onRewind: (body: RewindBody) => Promise<number | undefined>;
}) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState<From>("start");
  const [value, setValue] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);
  const position = consumer.kind === "event" ? "from_seq" : "from_updated_idx";

  if (!open) {
    return (
      <>
        <button
          type="button"
          onClick={() => {
            setOpen(true);
            setDone(undefined);
          }}
        >
          Rewind…
        </button>
        {done && (
          <span class="muted" data-testid="rewound">
            {done}
          </span>
        )}
      </>
    );
  }

  const body = (): RewindBody => {
    if (from === "time") return { from_time: new Date(value).toISOString() };
    if (from === "start") return {};
    // Not a number: sent as is, so the server's 422 names the field.
    const at = (/^\d+$/.test(value.trim()) ? Number(value) : value) as number;
    return consumer.kind === "event" ? { from_seq: at } : { from_updated_idx: at };
  };
  const valid = from === "start" || value.trim() !== "";
  const close = () => {
    setOpen(false);
    setConfirming(false);
  };
  const rewind = async () => {
    const pending = await onRewind(body());
    if (pending === undefined) return setConfirming(false);
    setDone(`Rewound: ${pending} pending.`);
    close();
  };

  return (
    <form
      data-testid="rewind-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) setConfirming(true);
      }}
    >
      <label>
        Deliver again from
        <select
          name="rewind-from"
          value={from}
          onChange={(e) => {
            setFrom(e.currentTarget.value as From);
            setValue("");
            setConfirming(false);
          }}
        >
          <option value="start">the start (everything retained)</option>
          <option value="time">a time</option>
          <option value="position">
            {consumer.kind === "event" ? "an event seq" : "an updated_idx"}
          </option>
        </select>
      </label>
      {from === "time" && (
        <input
          name="rewind-time"
          type="datetime-local"
          aria-label="From time"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      )}
      {from === "position" && (
        <input
          name="rewind-position"
          inputMode="numeric"
          aria-label={position}
          placeholder={position}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      )}
      {confirming ? (
        <button type="button" class="danger" onClick={rewind}>
          Really rewind? Pending and leased deliveries of those messages start over
        </button>
      ) : (
        <button type="submit" disabled={!valid}>
          Rewind
        </button>
      )}
      <button type="button" class="link" onClick={close}>
        Cancel
      </button>
    </form>
  );
}
