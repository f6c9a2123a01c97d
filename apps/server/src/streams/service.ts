import { randomUUID } from "node:crypto";
import type { Stream } from "../api-types.js";
import { STREAM_WRITE_LOCK } from "../db/advisory-locks.js";
import type { Queryable } from "../db/db.js";
import { isUniqueViolation } from "../db/errors.js";
import { iso } from "../db/rows.js";
import { conflict, notFound } from "../http/errors.js";

/** The stream every account gets at creation; consumers created without stream_id read it. */
export const DEFAULT_STREAM_NAME = "default";
/** Default event retention: 7 days. */
export const DEFAULT_EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000;

interface StreamRow {
  id: string;
  name: string;
  event_retention_ms: number;
  created_at: Date;
  updated_at: Date;
  ord: number;
}

const COLUMNS = "id, name, event_retention_ms, created_at, updated_at, ord";

export function toStream(row: StreamRow): Stream {
  return {
    id: row.id,
    name: row.name,
    event_retention_ms: Number(row.event_retention_ms),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Inserts a stream; a taken name is a 409. */
export async function createStreamRow(
  q: Queryable,
  accountId: string,
  input: { name: string; event_retention_ms?: number | undefined },
): Promise<Stream> {
  try {
    const { rows } = await q.query<StreamRow>(
      `INSERT INTO streams (account_id, id, name, event_retention_ms) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [accountId, randomUUID(), input.name, input.event_retention_ms ?? DEFAULT_EVENT_RETENTION_MS],
    );
    return toStream(rows[0]!);
  } catch (err) {
    if (isUniqueViolation(err, "streams_name_key"))
      throw conflict(`A stream named ${input.name} already exists`);
    throw err;
  }
}

export async function getStream(
  q: Queryable,
  accountId: string,
  streamId: string,
): Promise<Stream> {
  const { rows } = await q.query<StreamRow>(
    `SELECT ${COLUMNS} FROM streams WHERE account_id = $1 AND id = $2`,
    [accountId, streamId],
  );
  if (!rows[0]) throw notFound(`Stream not found: ${streamId}`);
  return toStream(rows[0]);
}

/** The account's default stream id. */
export async function defaultStreamId(q: Queryable, accountId: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    "SELECT id FROM streams WHERE account_id = $1 AND name = $2",
    [accountId, DEFAULT_STREAM_NAME],
  );
  if (!rows[0]) throw notFound("This account has no default stream; pass stream_id");
  return rows[0].id;
}

export async function listStreams(
  q: Queryable,
  accountId: string,
  after: number | undefined,
  limit: number,
) {
  const { rows } = await q.query<StreamRow>(
    `SELECT ${COLUMNS} FROM streams WHERE account_id = $1 AND ord > $2 ORDER BY ord LIMIT $3`,
    [accountId, after ?? 0, limit + 1],
  );
  return rows;
}

/**
 * Serialises writers of one stream until commit, and checks the stream exists. Taken before the
 * first sequence value is drawn, so events become visible in seq order (see ADR 0002).
 */
export async function lockStream(
  tx: Queryable,
  accountId: string,
  streamId: string,
): Promise<void> {
  // The uuid as Postgres spells it: every holder of the lock must hash the same text (the write
  // routine hashes p_stream::text), however the caller spelled the id.
  await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))", [
    STREAM_WRITE_LOCK,
    streamId,
  ]);
  const { rows } = await tx.query("SELECT 1 FROM streams WHERE account_id = $1 AND id = $2", [
    accountId,
    streamId,
  ]);
  if (rows.length === 0) throw notFound(`Stream not found: ${streamId}`);
}

/** Deletes a stream with its records and events; refused (409) while consumers read it. */
export async function deleteStream(
  tx: Queryable,
  accountId: string,
  streamId: string,
): Promise<void> {
  await lockStream(tx, accountId, streamId);
  const { rows } = await tx.query<{ name: string; consumers: number }>(
    `SELECT s.name, (SELECT count(*) FROM consumers c WHERE c.account_id = s.account_id AND c.stream_id = s.id) AS consumers
     FROM streams s WHERE s.account_id = $1 AND s.id = $2`,
    [accountId, streamId],
  );
  const row = rows[0]!;
  if (row.name === DEFAULT_STREAM_NAME) throw conflict("The default stream cannot be deleted");
  if (Number(row.consumers) > 0) {
    throw conflict(`Stream ${streamId} still has ${row.consumers} consumer(s); delete them first`);
  }
  await tx.query("DELETE FROM streams WHERE account_id = $1 AND id = $2", [accountId, streamId]);
}
