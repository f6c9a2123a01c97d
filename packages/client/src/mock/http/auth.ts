import { createStream, DEFAULT_STREAM_NAME } from "../records/streams.js";
import type { MockContext } from "../state/context.js";
import { randomToken, uuid } from "../state/ids.js";
import { MockHttpError } from "./errors.js";

/** Creates an account with its default stream; its tokens authenticate as it. */
export function createAccount(ctx: MockContext, tokens: readonly string[]): string {
  const id = uuid();
  ctx.store.accounts.set(id, { id });
  for (const token of tokens) {
    if (ctx.store.tokens.has(token))
      throw new Error(`Token already belongs to another mock account: ${token}`);
    ctx.store.tokens.set(token, id);
  }
  createStream(ctx, id, { name: DEFAULT_STREAM_NAME, event_retention_ms: 604_800_000 });
  return id;
}

export function newToken(): string {
  return `sqt_${randomToken(24)}`;
}

/** The account of the request's bearer token; 401 without one or with an unknown one. */
export function authenticate(ctx: MockContext, authorization: string | null): string {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  const accountId = match?.[1] === undefined ? undefined : ctx.store.tokens.get(match[1]);
  if (accountId === undefined) {
    throw new MockHttpError(401, "unauthorized", "Missing or invalid bearer token", {
      headers: { "WWW-Authenticate": "Bearer" },
    });
  }
  return accountId;
}
