import type { SequinEvent, SequinRecord } from "@sequin/client";

/** What a message carries, in one line: collection, upstream id, action, data. */
export function Payload({ record, event }: { record?: SequinRecord; event?: SequinEvent }) {
  const item = record ?? event;
  if (!item) return <span class="muted">(gone)</span>;
  return (
    <span class="payload">
      <code>{item.collection_id}</code> {item.upstream_id ?? ""}
      {event && <em> {event.action}</em>}
      {record?.deleted && <em> deleted</em>}
      <pre>{JSON.stringify(item.data)}</pre>
    </span>
  );
}
