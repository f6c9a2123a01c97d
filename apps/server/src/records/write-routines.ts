import { createHash } from "node:crypto";
import { STREAM_WRITE_LOCK } from "../db/advisory-locks.js";
import { KEYED_PLANS, refuseDeadToken } from "../db/routine-sql.js";
import { insertEventsSql } from "../events/insert-events.js";
import { fanOutInsertSql, fanOutLockSql } from "./fan-out-records.js";
import { recordColumns } from "./record-row.js";

// A record write is two round trips, one per routine, with the planning of the batch in
// write-records.ts between them: `prepare` reads what is stored, `apply` writes what changed. The
// statements are those the write used to send one by one; in a routine they cost no round trip
// each (a write of one record went from eight statements to two; ADR 0005 has the figures).
// Like the lease function, each routine's name carries a hash of its text, so servers of
// different versions sharing a database call their own; `migrate` installs them (see
// db/routines.ts).
// Their planner settings are the lease's (KEYED_PLANS, db/routine-sql.ts).

const hashed = (prefix: string, body: string) =>
  `${prefix}_${createHash("sha256").update(body).digest("hex").slice(0, 12)}`;

/**
 * Checks the bearer token (when given), takes the stream's write lock, checks the stream, reads
 * and locks the stored records of the batch's keys, and draws `p_count` record versions and as
 * many event positions (one per input at most; what the batch does not use is a gap, as after a
 * rollback). Statements after the lock take their snapshot after it (a volatile PL/pgSQL
 * function takes one per statement), so they see every write committed before it.
 *
 * Rows: `{"unauthorized": true}` or `{"not_found": true}` alone; or first
 * `{"versions": [...], "seqs": [...]}`, then each stored record as a records row plus its
 * timestamps as Postgres text (`uca_text`, `uua_text`), which keeps their microseconds.
 */
const PREPARE_BODY = `
CREATE OR REPLACE FUNCTION %NAME%(p_account uuid, p_stream uuid, p_collections text[],
                                  p_upstreams text[], p_count int, p_token bytea)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
${KEYED_PLANS}
AS $prepare$
BEGIN
${refuseDeadToken("p_token", "p_account")}
  PERFORM pg_advisory_xact_lock(${STREAM_WRITE_LOCK}, hashtext(p_stream::text));
  IF NOT EXISTS (SELECT 1 FROM streams WHERE account_id = p_account AND id = p_stream) THEN
    RETURN NEXT '{"not_found": true}'::jsonb;
    RETURN;
  END IF;
  RETURN NEXT jsonb_build_object(
    'versions', ARRAY(SELECT nextval('record_version_seq') FROM generate_series(1, p_count)),
    'seqs', ARRAY(SELECT nextval('event_seq') FROM generate_series(1, p_count)));
  -- Each record is found through the identity index, whatever the statistics say: the keys are
  -- materialised (no constants for the planner to combine), and stream_id is compared with
  -- IS NOT DISTINCT FROM, which no index can use. Otherwise (account_id, stream_id) is also a
  -- prefix of records_by_version, and a planner without statistics may pick that index and walk
  -- the whole stream once per key. Rows are locked in key order, so writers cannot deadlock.
  RETURN QUERY
  WITH k AS MATERIALIZED (
    SELECT p_account AS account_id, p_stream AS stream_id, k.collection_id, k.upstream_id
    FROM unnest(p_collections, p_upstreams) AS k(collection_id, upstream_id)
  ), stored AS (
    SELECT ${recordColumns("r.")}, r.upstream_created_at::text AS uca_text,
           r.upstream_updated_at::text AS uua_text
    FROM k JOIN records r
      ON r.account_id = k.account_id AND r.collection_id = k.collection_id
     AND r.upstream_id = k.upstream_id AND r.stream_id IS NOT DISTINCT FROM k.stream_id
    ORDER BY r.collection_id, r.upstream_id
    FOR UPDATE OF r
  )
  SELECT to_jsonb(stored) FROM stored;
END
$prepare$`;

const SAVE_RECORDS = `
  WITH w AS MATERIALIZED (
    SELECT p_account AS account_id, *
    FROM unnest(r_id, r_is_new, r_collection, r_upstream, r_resource, r_provider, r_created,
                r_updated, r_idx, r_deleted, r_data, r_sync)
      AS w(id, is_new, collection_id, upstream_id, resource_id, provider, created_text, updated_text,
           updated_idx, deleted, data, sync)
  ), ins AS (
    INSERT INTO records (account_id, id, stream_id, collection_id, upstream_id, resource_id, provider,
                         upstream_created_at, upstream_updated_at, updated_idx, deleted, data, sync)
    SELECT p_account, w.id, p_stream, w.collection_id, w.upstream_id, w.resource_id, w.provider,
           w.created_text::timestamptz, w.updated_text::timestamptz, w.updated_idx, w.deleted,
           w.data::jsonb, w.sync::jsonb
    FROM w WHERE w.is_new
    RETURNING ${recordColumns()}
  ), upd AS (
    -- w carries account_id so the update finds rows by primary key only (see ADR 0002, "Plans").
    UPDATE records r SET resource_id = w.resource_id, provider = w.provider,
           upstream_created_at = w.created_text::timestamptz,
           upstream_updated_at = w.updated_text::timestamptz,
           updated_idx = w.updated_idx, deleted = w.deleted, data = w.data::jsonb, sync = w.sync::jsonb
    FROM w WHERE NOT w.is_new AND r.account_id = w.account_id AND r.id = w.id
    RETURNING ${recordColumns("r.")}
  )
  SELECT to_jsonb(saved) FROM (SELECT * FROM ins UNION ALL SELECT * FROM upd) saved`;

const FAN_OUT = {
  account: "p_account",
  stream: "p_stream",
  arrays: ["f_id", "f_idx", "f_collection", "f_resource", "f_provider", "f_sync"],
} as const;

/**
 * Writes a planned batch, the stream's write lock held (by `prepare`): inserts the new records
 * and rewrites the changed ones (`r_*`, returned as stored, one jsonb row each), stores the
 * events (`e_*`) and makes them pending in matching event consumers, and makes the changed
 * records (`f_*`) pending in matching record consumers.
 */
const APPLY_BODY = `
CREATE OR REPLACE FUNCTION %NAME%(p_account uuid, p_stream uuid,
  r_id uuid[], r_is_new boolean[], r_collection text[], r_upstream text[], r_resource text[],
  r_provider text[], r_created text[], r_updated text[], r_idx bigint[], r_deleted boolean[],
  r_data text[], r_sync text[],
  e_seq bigint[], e_record uuid[], e_collection text[], e_resource text[], e_provider text[],
  e_upstream text[], e_action text[], e_changes text[], e_data text[], e_idx bigint[],
  e_updated text[], e_sync text[],
  f_id uuid[], f_idx bigint[], f_collection text[], f_resource text[], f_provider text[],
  f_sync text[])
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
${KEYED_PLANS}
AS $apply$
DECLARE
  v_count bigint;
BEGIN
  IF cardinality(r_id) > 0 THEN
    RETURN QUERY ${SAVE_RECORDS};
  END IF;
  IF cardinality(e_seq) > 0 THEN
    ${insertEventsSql({
      account: "p_account",
      stream: "p_stream",
      arrays: [
        "e_seq",
        "e_record",
        "e_collection",
        "e_resource",
        "e_provider",
        "e_upstream",
        "e_action",
        "e_changes",
        "e_data",
        "e_idx",
        "e_updated",
        "e_sync",
      ],
      finish: "SELECT count(*) INTO v_count FROM ev",
    })};
  END IF;
  IF cardinality(f_id) > 0 THEN
    ${fanOutLockSql(FAN_OUT, "SELECT count(*) INTO v_count")};
    ${fanOutInsertSql(FAN_OUT)};
  END IF;
END
$apply$`;

export const WRITE_PREPARE_FUNCTION = hashed("sequin_write_prepare", PREPARE_BODY);
export const WRITE_APPLY_FUNCTION = hashed("sequin_write_apply", APPLY_BODY);

/** The statements that install the write routines (idempotent). */
export const WRITE_ROUTINES_SQL = [
  PREPARE_BODY.replace("%NAME%", WRITE_PREPARE_FUNCTION),
  APPLY_BODY.replace("%NAME%", WRITE_APPLY_FUNCTION),
];

/**
 * $1 account, $2 stream, $3 collection_ids, $4 upstream_ids, $5 how many versions and seqs,
 * $6 the bearer token's hash (null: already checked).
 */
export const WRITE_PREPARE_CALL = `SELECT row FROM ${WRITE_PREPARE_FUNCTION}($1, $2, $3, $4, $5, $6) AS row`;

/** $1 account, $2 stream, then the 12 record arrays, the 12 event arrays, the 6 fan-out arrays. */
export const WRITE_APPLY_CALL = `SELECT row FROM ${WRITE_APPLY_FUNCTION}(${Array.from(
  { length: 32 },
  (_, i) => `$${i + 1}`,
).join(", ")}) AS row`;
