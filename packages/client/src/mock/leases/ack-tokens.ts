import { ackTokenProblems, encodeAckToken } from "../../api-rules.js";
import { badRequest } from "../http/errors.js";

// The reference server's token format (api-rules.ts), with 16 random bytes where the server has
// the lease id: unguessable and bound to one delivery, and a malformed token gets the same 400.

/** A fresh token for delivery number `n` (n >= 1) of a consumer, whose lease ends at `leaseEndMs`. */
export function newAckToken(n: number, leaseEndMs: number, consumerId: string): string {
  return encodeAckToken(
    BigInt(n),
    globalThis.crypto.getRandomValues(new Uint8Array(16)),
    leaseEndMs,
    consumerId,
  );
}

/** A token that could not have been issued is a 400 naming it; a well-formed unknown one is not. */
export function checkAckTokens(tokens: readonly string[]): void {
  const details = ackTokenProblems(tokens);
  if (details.length > 0) throw badRequest(details);
}
