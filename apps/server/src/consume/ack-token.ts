import { badParams, type ErrorDetail } from "../http/errors.js";

/** One delivery: its position in the consumer's window (seq) and the lease it was given. */
export interface Delivery {
  seq: string;
  leaseId: string;
}

/** base64url(row seq as 8 bytes || lease id as 16 bytes): 32 characters, bound to one delivery. */
export function encodeAckToken(seq: number | string, leaseId: string): string {
  const buf = Buffer.alloc(24);
  buf.writeBigInt64BE(BigInt(seq), 0);
  Buffer.from(leaseId.replaceAll("-", ""), "hex").copy(buf, 8);
  return buf.toString("base64url");
}

/** Decodes a token, or undefined when it is not one of ours. */
export function decodeAckToken(token: string): Delivery | undefined {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  const buf = Buffer.from(token, "base64url");
  if (buf.length !== 24 || buf.toString("base64url") !== token) return undefined;
  const seq = buf.readBigInt64BE(0);
  if (seq <= 0n) return undefined;
  const hex = buf.subarray(8).toString("hex");
  const leaseId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { seq: seq.toString(), leaseId };
}

/** Decodes every token of a request; any malformed one is a 400 that names it. */
export function decodeAckTokens(tokens: string[]): Map<string, Delivery> {
  const decoded = new Map<string, Delivery>();
  const details: ErrorDetail[] = [];
  tokens.forEach((token, i) => {
    const delivery = decodeAckToken(token);
    if (delivery) decoded.set(token, delivery);
    else
      details.push({
        path: `ack_tokens.${i}`,
        message: "is not an ack token issued by this server",
      });
  });
  if (details.length > 0) throw badParams(details);
  return decoded;
}
