import {
  ackTokenProblems,
  decodeAckToken as decodeParts,
  encodeAckToken as encodeParts,
} from "@sequin/client/schemas";
import { badParams } from "../http/errors.js";

/** One delivery: its position in the consumer's window (seq) and the lease it was given. */
export interface Delivery {
  seq: string;
  leaseId: string;
}

/**
 * The token of one delivery: its seq, its lease id, its lease's end and its consumer (the format is in
 * @sequin/client's api-rules).
 */
export function encodeAckToken(
  seq: number | string,
  leaseId: string,
  leaseEnd: Date,
  consumerId: string,
): string {
  return encodeParts(
    BigInt(seq),
    Buffer.from(leaseId.replaceAll("-", ""), "hex"),
    leaseEnd.getTime(),
    consumerId,
  );
}

/** Decodes a token, or undefined when it is not one of ours. */
export function decodeAckToken(token: string): Delivery | undefined {
  const parts = decodeParts(token);
  if (!parts) return undefined;
  const hex = Buffer.from(parts.binding).toString("hex");
  const leaseId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { seq: parts.position.toString(), leaseId };
}

/** Decodes every token of a request; any malformed one is a 400 that names it. */
export function decodeAckTokens(tokens: string[]): Map<string, Delivery> {
  const problems = ackTokenProblems(tokens);
  if (problems.length > 0) throw badParams(problems);
  return new Map(tokens.map((token) => [token, decodeAckToken(token)!]));
}
