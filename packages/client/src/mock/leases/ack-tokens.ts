import { badRequest } from "../http/errors.js";
import { base64UrlToBytes, bytesToBase64Url } from "../state/ids.js";

// The reference server's token format: base64url(delivery number as 8 bytes || 16 random bytes),
// 32 characters. The random part makes a token unguessable and bound to one delivery; keeping the
// format lets the mock refuse a malformed token with the same 400 as the server.

/** A fresh token for delivery number `n` (n >= 1). */
export function newAckToken(n: number): string {
  const bytes = new Uint8Array(24);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(n));
  globalThis.crypto.getRandomValues(bytes.subarray(8));
  return bytesToBase64Url(bytes);
}

function isWellFormed(token: string): boolean {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return false;
  const bytes = base64UrlToBytes(token);
  if (bytes?.length !== 24 || bytesToBase64Url(bytes) !== token) return false;
  return new DataView(bytes.buffer).getBigInt64(0) > 0n;
}

/** A token that could not have been issued is a 400 naming it; a well-formed unknown one is not. */
export function checkAckTokens(tokens: readonly string[]): void {
  const details = tokens.flatMap((token, i) =>
    isWellFormed(token)
      ? []
      : [{ path: `ack_tokens.${i}`, message: "is not an ack token issued by this server" }],
  );
  if (details.length > 0) throw badRequest(details);
}
