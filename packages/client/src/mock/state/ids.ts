// Web Crypto and btoa only (no node: imports), so the mock also runs under MSW's setupWorker in a browser.
import { base64UrlToBytes, bytesToBase64Url } from "../../api-rules.js";

/** A random UUID v4. */
export function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/** `bytes` random bytes as base64url: unguessable tokens. */
export function randomToken(bytes = 24): string {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  return bytesToBase64Url(buf);
}

export function encodeBase64Url(text: string): string {
  return bytesToBase64Url(new TextEncoder().encode(text));
}

/** Undefined when `text` is not base64url of UTF-8 text. */
export function decodeBase64Url(text: string): string | undefined {
  const bytes = base64UrlToBytes(text);
  try {
    return bytes && new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
