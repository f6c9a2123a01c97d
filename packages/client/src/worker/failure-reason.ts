/** The API keeps at most this many characters of a nack's or term's `reason`. */
export const MAX_REASON_LENGTH = 1000;

/**
 * Cuts `text` to the API's bound with an ellipsis. It counts UTF-16 code units (never fewer than
 * characters, so the server's count fits too) and never splits a surrogate pair: a lone half
 * would be an invalid character.
 */
export function truncateReason(text: string): string {
  if (text.length <= MAX_REASON_LENGTH) return text;
  let end = MAX_REASON_LENGTH - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** The `reason` a nack sends for what a handler threw: the error's message, else the value as text. */
export function failureReason(error: unknown): string {
  let text: string;
  if (error instanceof Error) text = error.message || error.name;
  else if (typeof error === "string") text = error;
  else {
    try {
      text = JSON.stringify(error) ?? String(error);
    } catch {
      text = String(error);
    }
  }
  return truncateReason(text);
}
