import { createClient, type SequinClient, SequinError } from "@sequin/client";

/** A client of the server that serves the console, with the signed-in token. */
export function connect(token: string): SequinClient {
  // Few retries: an operator would rather see an error than a spinner.
  return createClient({ baseUrl: window.location.origin, token, maxRetries: 1, timeout: 15_000 });
}

/**
 * A message for the page: the server's own words when it sent an error. The client's message of
 * an HTTP error already starts with its status ("401 Missing or invalid bearer token"); the status
 * is added only to a message that lacks it.
 */
export function errorText(error: unknown): string {
  if (error instanceof SequinError) {
    const { status, message } = error;
    return status && !message.startsWith(`${status} `) ? `${status} ${message}` : message;
  }
  return error instanceof Error ? error.message : String(error);
}
