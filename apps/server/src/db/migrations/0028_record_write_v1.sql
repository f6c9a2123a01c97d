-- The record write (POST /v1/streams/{stream_id}/records, and mutations), one routine call: with
-- no transaction of the caller's, one round trip, with nothing between the read of the stored
-- records and the write (bench/LOG.md, 2026-11-26). It was built from TS fragments under a
-- hash-named function (sequin_write_<hash>) that every server version installed for itself;
-- now it is versioned like the consume routines, and the hash-named ones are dropped.
--
-- Upserts a batch of records (p_inputs, a JSON array of record inputs as the API takes them).
-- Checks the bearer token (when given), takes the stream's write lock, checks the stream, and
-- draws one record version and one event position per input, ascending: the input at position i
-- gets the i-th of each if it makes a new version (what the batch does not use is a gap, as after
-- a rollback). Then, round by round (the first input of every key, then the second of the keys
-- that come twice, ...), judges each input against its stored record: unknown -> inserted; an
-- older upstream_updated_at than stored -> stale; same data and deleted -> unchanged; else
-- updated. It saves what changed and stores the events; consumers read both from the log
-- (records_by_version, events_by_stream). Statements after the lock take their snapshot after it
-- (a volatile PL/pgSQL function takes one per statement), so they see every write committed
-- before it, and each round sees what the rounds before it saved.
--
-- Rows: {"unauthorized": true} or {"not_found": true} alone; or {"results": [[position
-- (1-based), id, updated_idx, result], ...], "changed": boolean}, then, with p_records, each
-- record of the batch as it is after it (a records row).
CREATE FUNCTION sequin_record_write_v1(p_account uuid, p_stream uuid, p_inputs jsonb, p_token bytea,
                                       p_records boolean)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
-- A plan for the values of each call, never one cached from whatever the statistics said the first
-- time; and every step reaches its rows through a key even when the statistics are stale (ADR 0005;
-- test/plans-with-stale-statistics.test.ts).
SET plan_cache_mode = force_custom_plan
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_seqscan = off
AS $write$
DECLARE
  v_n int := jsonb_array_length(p_inputs);
  v_found boolean;
  v_versions bigint[];
  v_seqs bigint[];
  v_rounds int;
  v_count bigint;
  v_results jsonb := '[]';
  v_round_results jsonb;
  v_round_changed boolean;
  v_changed boolean := false;
BEGIN
  -- The request's bearer token (its sha256; null: the caller checked it) must be live.
  IF p_token IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM api_tokens
    WHERE token_hash = p_token AND account_id = p_account AND revoked_at IS NULL) THEN
    RETURN NEXT '{"unauthorized": true}'::jsonb;
    RETURN;
  END IF;
  -- The stream's write lock (STREAM_WRITE_LOCK in src/db/advisory-locks.ts): writes of a stream
  -- commit in log order.
  PERFORM pg_advisory_xact_lock(737601, hashtext(p_stream::text));
  SELECT EXISTS (SELECT 1 FROM streams WHERE account_id = p_account AND id = p_stream),
         ARRAY(SELECT v FROM (SELECT nextval('record_version_seq') AS v FROM generate_series(1, v_n)) d ORDER BY v),
         ARRAY(SELECT s FROM (SELECT nextval('event_seq') AS s FROM generate_series(1, v_n)) d ORDER BY s)
  INTO v_found, v_versions, v_seqs;
  IF NOT v_found THEN
    RETURN NEXT '{"not_found": true}'::jsonb;
    RETURN;
  END IF;

  -- Locks the stored records of the batch's keys, in key order, so writers cannot deadlock, and
  -- counts the rounds (the most inputs of one key). Each record is found through the identity
  -- index, whatever the statistics say: the keys are materialised (no constants for the planner
  -- to combine), and stream_id is compared with IS NOT DISTINCT FROM, which no index can use.
  -- Otherwise (account_id, stream_id) is also a prefix of records_by_version, and a planner
  -- without statistics may pick that index and walk the whole stream once per key.
  WITH k AS MATERIALIZED (
    SELECT p_account AS account_id, p_stream AS stream_id, x.v->>'collection_id' AS collection_id,
           x.v->>'upstream_id' AS upstream_id, count(*) AS n
    FROM jsonb_array_elements(p_inputs) AS x(v)
    GROUP BY x.v->>'collection_id', x.v->>'upstream_id'
  ), locked AS (
    SELECT r.id FROM k JOIN records r
      ON r.account_id = k.account_id AND r.collection_id = k.collection_id
     AND r.upstream_id = k.upstream_id AND r.stream_id IS NOT DISTINCT FROM k.stream_id
    ORDER BY r.collection_id, r.upstream_id
    FOR UPDATE OF r
  )
  SELECT max(k.n), (SELECT count(*) FROM locked) INTO v_rounds, v_count FROM k;

  FOR v_round IN 1..coalesce(v_rounds, 0) LOOP
    -- One round, one statement: the inputs that are the v_round-th of their key in the batch,
    -- each judged against its record as stored now (earlier rounds saved theirs already).
    -- `after` has the record as it is after each input: planned (a new version and an event),
    -- dirty (saved: planned, or unchanged with a later upstream_updated_at). The round saves the
    -- dirty records and stores the events of the planned ones, and returns each input's outcome
    -- and whether the round changed anything.
  WITH inp AS MATERIALIZED (
    SELECT o.pos::int AS pos, o.v, p_account AS account_id, p_stream AS stream_id,
           o.v->>'collection_id' AS collection_id, o.v->>'upstream_id' AS upstream_id
    FROM (SELECT x.v, x.pos, row_number() OVER (
                   PARTITION BY x.v->>'collection_id', x.v->>'upstream_id' ORDER BY x.pos) AS occ
          FROM jsonb_array_elements(p_inputs) WITH ORDINALITY AS x(v, pos)) o
    WHERE o.occ = v_round
  ), judged AS MATERIALIZED (
    SELECT i.pos, i.v, i.account_id, i.collection_id, i.upstream_id,
           (i.v->>'upstream_updated_at')::timestamptz AS in_updated,
           coalesce((i.v->>'deleted')::boolean, false) AS in_deleted, i.v->'data' AS in_data,
           s.id AS s_id, s.resource_id AS s_resource, s.provider AS s_provider,
           s.upstream_created_at AS s_created, s.upstream_updated_at AS s_updated,
           s.updated_idx AS s_idx, s.deleted AS s_deleted, s.data AS s_data, s.sync AS s_sync,
           CASE
             WHEN s.id IS NULL THEN 'inserted'
             -- Older than stored: ignored. Either side without a time: never stale.
             WHEN (i.v->>'upstream_updated_at')::timestamptz < s.upstream_updated_at THEN 'stale'
             WHEN coalesce((i.v->>'deleted')::boolean, false) = s.deleted AND i.v->'data' = s.data
               THEN 'unchanged'
             ELSE 'updated'
           END AS result
    -- By the identity index, as LOCK_STORED explains: every key of the lookup comes from inp.
    FROM inp i LEFT JOIN LATERAL (
      SELECT r.id, r.resource_id, r.provider, r.upstream_created_at, r.upstream_updated_at,
             r.updated_idx, r.deleted, r.data, r.sync
      FROM records r
      WHERE r.account_id = i.account_id AND r.collection_id = i.collection_id
        AND r.upstream_id = i.upstream_id AND r.stream_id IS NOT DISTINCT FROM i.stream_id) s ON true
  ), flags AS MATERIALIZED (
    SELECT j.*, j.result IN ('inserted', 'updated') AS planned,
           -- Unchanged: no version, but upstream_updated_at moves forward, so the stale check
           -- stays sharp.
           (j.result = 'unchanged' AND j.in_updated IS NOT NULL
             AND (j.s_updated IS NULL OR j.in_updated > j.s_updated)) AS bumped
    FROM judged j
  ), after AS MATERIALIZED (
    -- A field left out of the input keeps its stored value; null clears it.
    SELECT f.pos, f.account_id, f.result, f.planned, f.planned OR f.bumped AS dirty,
           f.result = 'inserted' AS is_new,
           CASE WHEN f.result = 'inserted' THEN gen_random_uuid() ELSE f.s_id END AS id,
           f.collection_id, f.upstream_id,
           CASE WHEN f.planned AND f.v ? 'resource_id' THEN f.v->>'resource_id' ELSE f.s_resource END AS resource_id,
           CASE WHEN f.planned AND f.v ? 'provider' THEN f.v->>'provider' ELSE f.s_provider END AS provider,
           CASE WHEN f.planned AND f.v ? 'upstream_created_at'
                THEN (f.v->>'upstream_created_at')::timestamptz ELSE f.s_created END AS created_at,
           CASE WHEN f.planned OR f.bumped THEN coalesce(f.in_updated, f.s_updated)
                ELSE f.s_updated END AS updated_at,
           CASE WHEN f.planned THEN v_versions[f.pos] ELSE f.s_idx END AS updated_idx,
           CASE WHEN f.planned THEN f.in_deleted ELSE f.s_deleted END AS deleted,
           CASE WHEN f.planned THEN f.in_data ELSE f.s_data END AS data,
           CASE WHEN f.planned AND f.v ? 'sync' THEN nullif(f.v->'sync', 'null'::jsonb)
                ELSE f.s_sync END AS sync,
           CASE f.result
             WHEN 'inserted' THEN CASE WHEN f.in_deleted THEN 'deleted' ELSE 'created' END
             WHEN 'updated' THEN CASE WHEN f.in_deleted AND NOT f.s_deleted THEN 'deleted' ELSE 'updated' END
           END AS action,
           -- The top-level fields that differ, with their previous values (null: not there before).
           CASE WHEN f.result = 'updated' AND NOT (f.in_deleted AND NOT f.s_deleted) THEN coalesce((
             SELECT jsonb_object_agg(d.key, coalesce(f.s_data->d.key, 'null'::jsonb))
             FROM (SELECT jsonb_object_keys(f.s_data) UNION SELECT jsonb_object_keys(f.in_data)) AS d(key)
             WHERE f.s_data->d.key IS DISTINCT FROM f.in_data->d.key), '{}'::jsonb)
           END AS changes
    FROM flags f
  ), ins AS (
    INSERT INTO records (account_id, id, stream_id, collection_id, upstream_id, resource_id, provider,
                         upstream_created_at, upstream_updated_at, updated_idx, deleted, data, sync)
    SELECT a.account_id, a.id, p_stream, a.collection_id, a.upstream_id, a.resource_id, a.provider,
           a.created_at, a.updated_at, a.updated_idx, a.deleted, a.data, a.sync
    FROM after a WHERE a.dirty AND a.is_new
  ), upd AS (
    -- account_id comes from the CTE, so the update finds rows by primary key only (bench/LOG.md,
    -- "ADR 0002's plans and corrections").
    UPDATE records r SET resource_id = a.resource_id, provider = a.provider,
           upstream_created_at = a.created_at, upstream_updated_at = a.updated_at,
           updated_idx = a.updated_idx, deleted = a.deleted, data = a.data, sync = a.sync
    FROM after a WHERE a.dirty AND NOT a.is_new AND r.account_id = a.account_id AND r.id = a.id
  ), ev AS (
    INSERT INTO events (account_id, stream_id, seq, record_id, collection_id, resource_id, provider,
                        upstream_id, action, changes, data, updated_idx, upstream_updated_at, sync)
    SELECT p_account, p_stream, v_seqs[a.pos], a.id, a.collection_id, a.resource_id, a.provider,
           a.upstream_id, a.action, a.changes, a.data, a.updated_idx, a.updated_at, a.sync
    FROM after a WHERE a.planned
  )
  -- What the round did: each input's outcome, and whether any record got a new version.
  SELECT jsonb_agg(jsonb_build_array(a.pos, a.id, a.updated_idx, a.result)), bool_or(a.planned)
  INTO v_round_results, v_round_changed
  FROM after a;
    v_results := v_results || v_round_results;
    v_changed := v_changed OR coalesce(v_round_changed, false);
  END LOOP;

  RETURN NEXT jsonb_build_object('results', v_results, 'changed', v_changed);
  IF p_records THEN
    RETURN QUERY
    WITH k AS MATERIALIZED (
      SELECT DISTINCT p_account AS account_id, (x->>1)::uuid AS id FROM jsonb_array_elements(v_results) AS x
    )
    SELECT to_jsonb(z) FROM (
      SELECT r.id, r.stream_id, r.collection_id, r.upstream_id, r.resource_id, r.provider,
             r.upstream_created_at, r.upstream_updated_at, r.updated_idx, r.deleted, r.data, r.sync,
             r.inserted_at
      FROM k JOIN records r ON r.account_id = k.account_id AND r.id = k.id) z;
  END IF;
END
$write$;

-- The hash-named write routines installed by servers before this migration.
DO $drop$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND p.proname ~ '^sequin_write_[0-9a-f]{12}$'
  LOOP
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
END
$drop$;
