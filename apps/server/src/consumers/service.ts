import { randomUUID } from "node:crypto";
import { consumerOrdering } from "@sequin/client/schemas";
import type { Consumer, ConsumerCreate, ConsumerUpdate } from "../api-types.js";
import type { Queryable } from "../db/db.js";
import { isUniqueViolation } from "../db/errors.js";
import { UUID_RE } from "../db/rows.js";
import { conflict, notFound, validationFailed } from "../http/errors.js";
import { defaultStreamId, lockStream } from "../streams/service.js";
import { CONSUMER_COLUMNS, type ConsumerRow, toConsumer } from "./consumer-row.js";

const DEFAULTS = {
  kind: "record",
  deliver_policy: "all",
  ack_wait_ms: 30_000,
  max_deliver: -1,
  max_ack_pending: 1000,
  backoff_ms: [0, 1000, 5000, 30000],
} as const;

type Filters = NonNullable<ConsumerCreate["filters"]>;

const filterValues = (filters: Filters | undefined) => [
  filters?.collection_id ?? "*",
  filters?.resource_id ?? "*",
  filters?.provider ?? "*",
  filters?.sync_id ?? "*",
];

/** The consumer's ordering and key path (split into names); 422 on a bad mix (consumerOrdering). */
export function orderingOf(
  kind: "record" | "event",
  input: Pick<ConsumerCreate, "ordering" | "key_path">,
): { ordering: "none" | "per_key"; keyPath: string[] | null } {
  const { ordering, key_path, problems } = consumerOrdering(kind, input);
  if (problems.length > 0) throw validationFailed(problems);
  return { ordering, keyPath: key_path === null ? null : key_path.split(".") };
}

function nameTaken(err: unknown, name: string | undefined): never {
  if (isUniqueViolation(err, "consumers_name_key"))
    throw conflict(`A consumer named ${name} already exists`);
  throw err;
}

/**
 * Creates a consumer. It takes the stream's write lock, so no write commits between the
 * consumer's creation and the placing of its cursor: with `all`, everything already in the stream
 * is pending; with `new`, exactly what commits after creation is.
 */
export async function createConsumer(
  tx: Queryable,
  accountId: string,
  input: ConsumerCreate,
): Promise<Consumer> {
  const kind = input.kind ?? DEFAULTS.kind;
  const { ordering, keyPath } = orderingOf(kind, input);
  const streamId = input.stream_id ?? (await defaultStreamId(tx, accountId));
  await lockStream(tx, accountId, streamId);
  const policy = input.deliver_policy ?? DEFAULTS.deliver_policy;
  let row: ConsumerRow;
  try {
    const { rows } = await tx.query<ConsumerRow>(
      `INSERT INTO consumers (account_id, id, name, stream_id, kind, filter_collection_id, filter_resource_id,
                              filter_provider, filter_sync_id, deliver_policy, ack_wait_ms, max_deliver,
                              max_ack_pending, metadata, ordering, key_path, backoff_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text::jsonb, $15, $16, $17)
       RETURNING ${CONSUMER_COLUMNS}`,
      [
        accountId,
        randomUUID(),
        input.name,
        streamId,
        kind,
        ...filterValues(input.filters),
        policy,
        input.ack_wait_ms ?? DEFAULTS.ack_wait_ms,
        input.max_deliver ?? DEFAULTS.max_deliver,
        input.max_ack_pending ?? DEFAULTS.max_ack_pending,
        JSON.stringify(input.metadata ?? {}),
        ordering,
        keyPath,
        input.backoff_ms ?? DEFAULTS.backoff_ms,
      ],
    );
    row = rows[0]!;
  } catch (err) {
    nameTaken(err, input.name);
  }
  await startWindow(tx, accountId, row);
  return toConsumer(row);
}

/**
 * A new consumer's first cursor and floor (migration 0007): with `all` the cursor is at the
 * start of the log (every record, tombstones included; every retained event), with `new` at its
 * end. The caller holds the stream's write lock, so "the end" is exact.
 */
async function startWindow(tx: Queryable, accountId: string, row: ConsumerRow): Promise<void> {
  const head =
    row.kind === "record"
      ? `SELECT updated_idx FROM record_versions WHERE account_id = $1 AND stream_id = $3 ORDER BY updated_idx DESC LIMIT 1`
      : `SELECT seq FROM events WHERE account_id = $1 AND stream_id = $3 ORDER BY seq DESC LIMIT 1`;
  await tx.query(
    `WITH cursor AS (
       INSERT INTO consumer_cursors (account_id, consumer_id, pos)
       SELECT $1, $2, CASE WHEN $4 = 'all' THEN 0 ELSE coalesce((${head}), 0) END
     )
     INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
     VALUES ($1, $2, 0, 'infinity')`,
    [accountId, row.id, row.stream_id, row.deliver_policy],
  );
}

/** Finds a consumer by id or by name (names are unique per account); 404 otherwise. */
export async function resolveConsumer(
  q: Queryable,
  accountId: string,
  ref: string,
): Promise<ConsumerRow> {
  const { rows } = await q.query<ConsumerRow>(
    `SELECT ${CONSUMER_COLUMNS} FROM consumers
     WHERE account_id = $1 AND (id = $2::uuid OR name = $3)
     ORDER BY (id = $2::uuid) DESC NULLS LAST LIMIT 1`,
    [accountId, UUID_RE.test(ref) ? ref : null, ref],
  );
  if (!rows[0]) throw notFound(`Consumer not found: ${ref}`);
  return rows[0];
}

export async function listConsumers(
  q: Queryable,
  accountId: string,
  options: { after: number | undefined; limit: number; streamId: string | undefined },
): Promise<ConsumerRow[]> {
  const { rows } = await q.query<ConsumerRow>(
    `SELECT ${CONSUMER_COLUMNS} FROM consumers
     WHERE account_id = $1 AND ord > $2 AND ($3::uuid IS NULL OR stream_id = $3)
     ORDER BY ord LIMIT $4`,
    [accountId, options.after ?? 0, options.streamId ?? null, options.limit + 1],
  );
  return rows;
}

/**
 * Changes the given fields. New filters apply to what is written afterwards (the stream lock
 * makes "afterwards" exact); pending messages stay pending.
 */
export async function updateConsumer(
  tx: Queryable,
  accountId: string,
  ref: string,
  input: ConsumerUpdate,
): Promise<ConsumerRow> {
  const current = await resolveConsumer(tx, accountId, ref);
  if (input.filters) {
    await lockStream(tx, accountId, current.stream_id);
    // What the log holds now was written under the old filters: the consumer, which reads the
    // log lazily, takes it into its window before they change.
    await tx.query("SELECT sequin_window_catch_up_v2($1, $2)", [accountId, current.id]);
  }
  const [collection, resource, provider, sync] = input.filters ? filterValues(input.filters) : [];
  const pause = pausedUntil(input);
  try {
    const { rows } = await tx.query<ConsumerRow>(
      `UPDATE consumers SET
         name = coalesce($3, name),
         filter_collection_id = coalesce($4, filter_collection_id),
         filter_resource_id = coalesce($5, filter_resource_id),
         filter_provider = coalesce($6, filter_provider),
         filter_sync_id = coalesce($7, filter_sync_id),
         ack_wait_ms = coalesce($8, ack_wait_ms),
         max_deliver = coalesce($9, max_deliver),
         max_ack_pending = coalesce($10, max_ack_pending),
         metadata = coalesce($11::text::jsonb, metadata),
         backoff_ms = coalesce($12::int[], backoff_ms),
         paused_until = CASE WHEN $13 THEN $14::timestamptz ELSE paused_until END,
         updated_at = now()
       WHERE account_id = $1 AND id = $2
       RETURNING ${CONSUMER_COLUMNS}`,
      [
        accountId,
        current.id,
        input.name ?? null,
        collection ?? null,
        resource ?? null,
        provider ?? null,
        sync ?? null,
        input.ack_wait_ms ?? null,
        input.max_deliver ?? null,
        input.max_ack_pending ?? null,
        input.metadata === undefined ? null : JSON.stringify(input.metadata),
        input.backoff_ms ?? null,
        pause !== undefined,
        pause ?? null,
      ],
    );
    if (!rows[0]) throw notFound(`Consumer not found: ${ref}`);
    return rows[0];
  } catch (err) {
    nameTaken(err, input.name);
  }
}

/**
 * What an update does to the consumer's pause: undefined leaves it, null resumes it, 'infinity'
 * pauses it until resumed, a time pauses it until then (a time past resumes it). `paused: false`
 * with a pause's end in the future contradicts itself: 422.
 */
function pausedUntil(input: ConsumerUpdate): string | null | undefined {
  const until = input.paused_until;
  const future = typeof until === "string" && Date.parse(until) > Date.now();
  if (input.paused === false && future)
    throw validationFailed([
      { path: "paused_until", message: "paused is false: a pause cannot end in the future" },
    ]);
  if (future) return until;
  if (input.paused === true && (until === undefined || until === null)) return "infinity";
  if (input.paused === false || until !== undefined) return null;
  return undefined;
}

/** Deletes a consumer with its pending messages and dead letters. */
export async function deleteConsumer(
  q: Queryable,
  accountId: string,
  ref: string,
): Promise<string> {
  const current = await resolveConsumer(q, accountId, ref);
  const { rowCount } = await q.query("DELETE FROM consumers WHERE account_id = $1 AND id = $2", [
    accountId,
    current.id,
  ]);
  if (rowCount === 0) throw notFound(`Consumer not found: ${ref}`);
  return current.id;
}
