import type { Consumer } from "@sequin/client";

/** A consumer's filters, leaving out the `*` ones. */
export function Filters({ filters }: { filters: Consumer["filters"] }) {
  const set = Object.entries(filters).filter(([, value]) => value !== "*");
  if (set.length === 0) return <span class="muted">everything</span>;
  return (
    <span>
      {set.map(([name, value]) => (
        <code key={name} class="filter">
          {name}={value}
        </code>
      ))}
    </span>
  );
}
