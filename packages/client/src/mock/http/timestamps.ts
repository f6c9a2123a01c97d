/** Timestamps are answered in UTC, whatever offset they were sent with. */
export function toIso(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : new Date(value).toISOString();
}
