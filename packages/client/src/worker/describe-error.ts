import { SequinError } from "../errors.js";

/**
 * One line for an error of the API or the network: its code (or class), its message and the
 * request id to look up in the server's log. The whole object (body, headers, stack) is noise in
 * a terminal and says nothing the line does not.
 */
export function describeSequinError(error: SequinError): string {
  // An answer's message starts with its status ("404 Consumer not found: c"); a network
  // failure has none, so its class says what happened.
  const message = error.message.replace(/\s+/g, " ").trim();
  const head = error.status === undefined ? `${error.name}: ${message}` : message;
  const tags = [error.code, error.requestId && `request ${error.requestId}`].filter(Boolean);
  return tags.length > 0 ? `${head} (${tags.join(", ")})` : head;
}

/** Whether `error` is best shown as one line (it came from the API or the network). */
export function isSequinError(error: unknown): error is SequinError {
  return error instanceof SequinError;
}
