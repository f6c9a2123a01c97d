/** A message's last error (a nack's or term's reason): clipped to a few lines, whole on hover. */
export function LastError({ text }: { text: string | null | undefined }) {
  if (!text) return <span class="muted">—</span>;
  return (
    <span class="last-error" title={text}>
      {text}
    </span>
  );
}
