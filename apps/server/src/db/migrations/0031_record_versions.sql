-- Records as an identity row and versions (ADR 0008, "Records"). A rewrite of a record used to
-- update its row in place: every version a held snapshot may still see stayed in the table, each
-- with entries in the record's identity and primary-key indexes, and every later lookup, the
-- writer's lock and the unique checks of the next update walked all of them (the held soak's
-- 1,000-record upsert went 152 -> 411 ms in ten minutes, bench/RESULTS.md of bdfe6a6).
--
-- Now:
-- - `record_keys`: a record's identity (id, stream, collection, upstream id, inserted_at); a row
--   is inserted once and never changed, so an identity lookup meets one index entry.
-- - `record_versions`: its state. A write inserts the new version and deletes the one it
--   replaces (found by primary key, with its `vid`), so at any commit a record has one live
--   version, and a scan of the stream's log (record_versions_by_position, as records_by_version
--   was) reads current records only. `vid` orders a record's versions: the version's
--   updated_idx, or a fresh number of the same sequence when only upstream_updated_at moves on.
--   A record's current version is one backward probe of the primary key (account_id, id, vid):
--   the newest entry comes first, so the dead versions behind it are never visited.
-- - `records`: a view of each key with its current version, with the columns and names of the
--   table it replaces; reads by id or identity go through it. Scans by position read
--   record_versions (this migration moves the routines that do; the server's own queries move
--   with it).
-- Writers of a stream are serialised by its write lock, so no unique index is needed to keep one
-- live version per record, and the write takes no row lock.

CREATE TABLE record_keys (
  account_id uuid NOT NULL,
  id uuid NOT NULL,
  stream_id uuid NOT NULL,
  collection_id text NOT NULL,
  upstream_id text NOT NULL,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id),
  CONSTRAINT record_keys_identity UNIQUE (account_id, collection_id, upstream_id, stream_id),
  FOREIGN KEY (account_id, stream_id) REFERENCES streams (account_id, id) ON DELETE CASCADE
);

CREATE TABLE record_versions (
  account_id uuid NOT NULL,
  id uuid NOT NULL,
  vid bigint NOT NULL,
  stream_id uuid NOT NULL,
  collection_id text NOT NULL,
  upstream_id text NOT NULL,
  resource_id text,
  provider text,
  upstream_created_at timestamptz,
  upstream_updated_at timestamptz,
  updated_idx bigint NOT NULL,
  deleted boolean NOT NULL,
  data jsonb NOT NULL,
  sync jsonb,
  sync_id text GENERATED ALWAYS AS (sync ->> 'id') STORED,
  -- The record's, copied to each version (as are its identity's columns): a message's record
  -- is one probe of this table, with no join to its key.
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id, vid),
  -- To the stream, as records had (a version's key is inserted in the same statement): a foreign
  -- key to record_keys would lock each key row as its version is written.
  FOREIGN KEY (account_id, stream_id) REFERENCES streams (account_id, id) ON DELETE CASCADE
);

INSERT INTO record_keys (account_id, id, stream_id, collection_id, upstream_id, inserted_at)
SELECT account_id, id, stream_id, collection_id, upstream_id, inserted_at FROM records;

INSERT INTO record_versions (account_id, id, vid, stream_id, collection_id, upstream_id, resource_id,
                             provider, upstream_created_at, upstream_updated_at, updated_idx, deleted,
                             data, sync, inserted_at)
SELECT account_id, id, updated_idx, stream_id, collection_id, upstream_id, resource_id, provider,
       upstream_created_at, upstream_updated_at, updated_idx, deleted, data, sync, inserted_at
FROM records;

CREATE INDEX record_versions_by_position ON record_versions (account_id, stream_id, updated_idx);

DROP TABLE records;

CREATE VIEW records AS
SELECT k.account_id, k.id, k.stream_id, k.collection_id, k.upstream_id, v.resource_id, v.provider,
       v.upstream_created_at, v.upstream_updated_at, v.updated_idx, v.deleted, v.data, v.sync,
       v.sync_id, k.inserted_at
FROM record_keys k
CROSS JOIN LATERAL (
  SELECT x.resource_id, x.provider, x.upstream_created_at, x.upstream_updated_at, x.updated_idx,
         x.deleted, x.data, x.sync, x.sync_id
  FROM record_versions x
  WHERE x.account_id = k.account_id AND x.id = k.id
  ORDER BY x.vid DESC LIMIT 1) v;


-- The record write of migration 0028, on keys and versions: it replaces sequin_record_write_v1.
-- The inputs are judged as before; a record gets a new version by an insert (and its previous
-- one is deleted) instead of an update in place, and a new record its key too.
CREATE FUNCTION sequin_record_write_v2(p_account uuid, p_stream uuid, p_inputs jsonb, p_token bytea,
                                       p_records boolean)
RETURNS SETOF jsonb LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off SET enable_bitmapscan = off SET jit = off AS $$
DECLARE
  v_n int := jsonb_array_length(p_inputs);
  v_found boolean;
  v_versions bigint[];
  v_seqs bigint[];
  v_rounds int;
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
  -- commit in log order, one at a time, so the stored versions the rounds read stay current.
  PERFORM pg_advisory_xact_lock(737601, hashtext(p_stream::text));
  SELECT EXISTS (SELECT 1 FROM streams WHERE account_id = p_account AND id = p_stream),
         ARRAY(SELECT v FROM (SELECT nextval('record_version_seq') AS v FROM generate_series(1, v_n)) d ORDER BY v),
         ARRAY(SELECT s FROM (SELECT nextval('event_seq') AS s FROM generate_series(1, v_n)) d ORDER BY s)
  INTO v_found, v_versions, v_seqs;
  IF NOT v_found THEN
    RETURN NEXT '{"not_found": true}'::jsonb;
    RETURN;
  END IF;

  -- The rounds: the most inputs of one key in the batch.
  SELECT max(k.n) INTO v_rounds FROM (
    SELECT count(*) AS n FROM jsonb_array_elements(p_inputs) AS x(v)
    GROUP BY x.v->>'collection_id', x.v->>'upstream_id') k;

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
           s.id AS s_id, s.tid AS s_tid, s.inserted_at AS s_inserted, s.resource_id AS s_resource, s.provider AS s_provider,
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
    -- The key by the identity index, then its current version by a backward probe of the
    -- primary key; in a subquery that cannot be flattened (LIMIT 1), so the key's columns are
    -- the index scan's parameters in any plan, never a filter after a walk of the keys (seen in
    -- a plan kept from empty tables).
    FROM inp i LEFT JOIN LATERAL (
      SELECT k.id, k.inserted_at, v.tid, v.resource_id, v.provider, v.upstream_created_at, v.upstream_updated_at,
             v.updated_idx, v.deleted, v.data, v.sync
      FROM record_keys k
      CROSS JOIN LATERAL (
        SELECT x.ctid AS tid, x.resource_id, x.provider, x.upstream_created_at,
               x.upstream_updated_at, x.updated_idx, x.deleted, x.data, x.sync
        FROM record_versions x
        WHERE x.account_id = k.account_id AND x.id = k.id
        ORDER BY x.vid DESC LIMIT 1) v
      WHERE k.account_id = i.account_id AND k.collection_id = i.collection_id
        AND k.upstream_id = i.upstream_id AND k.stream_id = i.stream_id
      LIMIT 1) s ON true
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
           f.result = 'inserted' AS is_new, f.s_tid,
           CASE WHEN f.result = 'inserted' THEN gen_random_uuid() ELSE f.s_id END AS id,
           CASE WHEN f.result = 'inserted' THEN now() ELSE f.s_inserted END AS inserted_at,
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
  ), keys AS (
    INSERT INTO record_keys (account_id, id, stream_id, collection_id, upstream_id, inserted_at)
    SELECT a.account_id, a.id, p_stream, a.collection_id, a.upstream_id, a.inserted_at
    FROM after a WHERE a.is_new
  ), versions AS (
    -- A new version's vid is its updated_idx; a bump's is a fresh number of the same sequence,
    -- so the newest version is always the highest vid.
    INSERT INTO record_versions (account_id, id, vid, stream_id, collection_id, upstream_id, resource_id,
                                 provider, upstream_created_at, upstream_updated_at, updated_idx,
                                 deleted, data, sync, inserted_at)
    SELECT a.account_id, a.id,
           CASE WHEN a.planned THEN a.updated_idx ELSE nextval('record_version_seq') END,
           p_stream, a.collection_id, a.upstream_id, a.resource_id, a.provider, a.created_at,
           a.updated_at, a.updated_idx, a.deleted, a.data, a.sync, a.inserted_at
    FROM after a WHERE a.dirty
  ), replaced AS (
    -- The versions the new ones replace, by the tuple ids the lookup found (this statement's
    -- snapshot; the stream's write lock keeps them current): a TID scan in any plan.
    DELETE FROM record_versions x
    WHERE x.ctid = ANY (ARRAY(SELECT a.s_tid FROM after a WHERE a.dirty AND NOT a.is_new))
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
$$;

DROP FUNCTION sequin_record_write_v1(uuid, uuid, jsonb, bytea, boolean);

-- The messages read after a lease (migration 0015): a record is one backward probe of its
-- versions, with the columns of `records` (the view would add a probe of its key, and planning
-- per call: at batch 1 the lease was 20 % slower through it, bench/LOG.md).
CREATE OR REPLACE FUNCTION sequin_window_messages_v1(p_account uuid, p_consumer uuid, p_seqs bigint[],
                                                     p_leases uuid[])
RETURNS SETOF jsonb LANGUAGE sql STABLE
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off AS $$
  -- One primary-key probe per delivery, in a subquery that cannot be flattened into a join a
  -- planner with stale statistics could turn into a walk of the window.
  SELECT jsonb_build_object('m_seq', d.seq,
    'record', (SELECT to_jsonb(v) FROM (
                 SELECT x.account_id, x.id, x.stream_id, x.collection_id, x.upstream_id, x.resource_id,
                        x.provider, x.upstream_created_at, x.upstream_updated_at, x.updated_idx,
                        x.deleted, x.data, x.sync, x.sync_id, x.inserted_at
                 FROM record_versions x WHERE x.account_id = p_account AND x.id = d.record_id
                 ORDER BY x.vid DESC LIMIT 1) v),
    'event', (SELECT to_jsonb(e) FROM events e WHERE e.account_id = p_account AND e.seq = d.event_seq))
  FROM (SELECT * FROM unnest(p_seqs, p_leases) AS u(seq, lease_id) ORDER BY 1) t
  CROSS JOIN LATERAL (
    SELECT x.seq, x.record_id, x.event_seq FROM deliveries x
    WHERE x.account_id = p_account AND x.consumer_id = p_consumer AND x.seq = t.seq
      AND x.lease_id = t.lease_id
    LIMIT 1) d
  ORDER BY d.seq
$$;

-- The routines that scan a record stream's log by position read record_versions, through
-- record_versions_by_position (as records_by_version before); by id they read the view. Bodies
-- otherwise as installed by migrations 0025, 0026, 0029 and 0030.
CREATE OR REPLACE FUNCTION sequin_window_backlog_v1(c consumers, p_cursor bigint, p_cap integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  v_counted bigint;
  v_first bigint;
  v_last bigint;
  v_head bigint;
BEGIN
  IF c.kind = 'record' THEN
    SELECT count(*), min(x.pos), max(x.pos) INTO v_counted, v_first, v_last FROM (
      SELECT r.updated_idx AS pos FROM record_versions r
      WHERE r.account_id = c.account_id AND r.stream_id = c.stream_id AND r.updated_idx > p_cursor
        AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
      ORDER BY r.updated_idx LIMIT p_cap) x;
    IF v_counted >= p_cap THEN
      SELECT r.updated_idx INTO v_head FROM record_versions r
      WHERE r.account_id = c.account_id AND r.stream_id = c.stream_id ORDER BY r.updated_idx DESC LIMIT 1;
    END IF;
  ELSE
    SELECT count(*), min(x.pos), max(x.pos) INTO v_counted, v_first, v_last FROM (
      SELECT e.seq AS pos FROM events e
      WHERE e.account_id = c.account_id AND e.stream_id = c.stream_id AND e.seq > p_cursor
        AND sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id)
      ORDER BY e.seq LIMIT p_cap) x;
    IF v_counted >= p_cap THEN
      SELECT e.seq INTO v_head FROM events e
      WHERE e.account_id = c.account_id AND e.stream_id = c.stream_id ORDER BY e.seq DESC LIMIT 1;
    END IF;
  END IF;
  IF v_counted >= p_cap AND v_last > v_first THEN
    RETURN round(v_counted::numeric * (v_head - v_first + 1) / (v_last - v_first + 1));
  END IF;
  RETURN v_counted;
END
$$;

CREATE OR REPLACE FUNCTION sequin_window_catch_up_v2(p_account uuid, p_consumer uuid) RETURNS void
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  c consumers;
  v_cursor bigint;
  v_head bigint;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  IF c.kind = 'record' THEN
    INSERT INTO deliveries AS d (account_id, consumer_id, seq, record_id, delivered_idx)
    SELECT p_account, c.id, nextval('delivery_seq'), r.id, NULL FROM record_versions r
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
    ORDER BY r.updated_idx
    ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
    DO UPDATE SET changed_idx = (SELECT r.updated_idx FROM records r
                                 WHERE r.account_id = p_account AND r.id = d.record_id);
    SELECT r.updated_idx INTO v_head FROM record_versions r
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id ORDER BY r.updated_idx DESC LIMIT 1;
  ELSE
    INSERT INTO deliveries (account_id, consumer_id, seq, event_seq, order_key, key_seq)
    SELECT p_account, c.id, nextval('delivery_seq'), e.seq, sequin_order_key_v1(c, e), e.seq FROM events e
    WHERE e.account_id = p_account AND e.stream_id = c.stream_id AND e.seq > v_cursor
      AND sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id)
    ORDER BY e.seq;
    SELECT e.seq INTO v_head FROM events e
    WHERE e.account_id = p_account AND e.stream_id = c.stream_id ORDER BY e.seq DESC LIMIT 1;
  END IF;
  IF v_head > v_cursor THEN
    INSERT INTO consumer_cursors (account_id, consumer_id, pos) VALUES (p_account, c.id, v_head);
  END IF;
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  VALUES (p_account, c.id, NULL, '-infinity');
END
$$;

CREATE OR REPLACE FUNCTION sequin_window_pull_v1(p_account uuid, c consumers, p_want integer, p_until timestamp with time zone) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
  v_now timestamptz := statement_timestamp();
  v_backoff interval := sequin_backoff_v1(c, 1);
  v_cursor bigint;
  v_scan int;
BEGIN
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  -- Read after the lock, in a statement of its own: it sees the pull that held the lock before.
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  -- How far one pull may read past rows the filters skip (with no filter: no further).
  v_scan := CASE WHEN c.filter_collection_id = '*' AND c.filter_resource_id = '*'
                      AND c.filter_provider = '*' AND c.filter_sync_id = '*'
                 THEN p_want ELSE greatest(p_want * 4, 1000) END;
  RETURN QUERY
    WITH scan AS MATERIALIZED (
      SELECT r.id, r.updated_idx,
             sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id) AS wanted
      FROM record_versions r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      ORDER BY r.updated_idx LIMIT v_scan
    ), taken AS MATERIALIZED (
      SELECT s.id, s.updated_idx FROM scan s WHERE s.wanted
      ORDER BY s.updated_idx LIMIT p_want
    ), moved AS (
      -- Past the last row taken when the batch is full, else past every row read (the same
      -- snapshot: nothing in between goes unseen; writers of a stream commit in log order).
      INSERT INTO consumer_cursors (account_id, consumer_id, pos)
      SELECT p_account, c.id,
             CASE WHEN (SELECT count(*) FROM taken) >= p_want
                  THEN (SELECT max(t.updated_idx) FROM taken t)
                  ELSE (SELECT max(s.updated_idx) FROM scan s) END
      WHERE EXISTS (SELECT 1 FROM scan)
      ON CONFLICT DO NOTHING
    ), ins AS (
      -- A record the window has already changed since: while its lease runs, it goes out
      -- again after the ack (the insert waits for an ack deleting that delivery, then
      -- inserts); otherwise (waiting out a nack's delay or a backoff, or due now) the new
      -- version is leased now, at the head, counted from 1.
      INSERT INTO deliveries AS d (account_id, consumer_id, seq, record_id, lease_id, leased_until,
                                   retry_at, deliver_count, delivered_idx)
      SELECT p_account, c.id, nextval('delivery_seq'), t.id, gen_random_uuid(), p_until,
             p_until + v_backoff, 1, t.updated_idx
      FROM taken t ORDER BY t.updated_idx
      ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
      DO UPDATE SET
        changed_idx = CASE WHEN d.leased_until > v_now
                           THEN greatest(d.changed_idx, EXCLUDED.delivered_idx) END,
        seq = CASE WHEN d.leased_until > v_now THEN d.seq ELSE EXCLUDED.seq END,
        lease_id = CASE WHEN d.leased_until > v_now THEN d.lease_id ELSE EXCLUDED.lease_id END,
        retry_at = CASE WHEN d.leased_until > v_now THEN d.retry_at ELSE EXCLUDED.retry_at END,
        deliver_count = CASE WHEN d.leased_until > v_now THEN d.deliver_count ELSE 1 END,
        delivered_idx = CASE WHEN d.leased_until > v_now THEN d.delivered_idx ELSE EXCLUDED.delivered_idx END,
        leased_until = CASE WHEN d.leased_until > v_now THEN d.leased_until ELSE EXCLUDED.leased_until END
      -- Leased by this call: inserted, or taken over (the only rows without changed_idx).
      RETURNING d.seq, d.lease_id, d.record_id, d.changed_idx IS NULL AS ours
    )
    SELECT jsonb_build_object('m_seq', i.seq, 'lease_id', i.lease_id, 'leased_until', p_until,
                              'deliver_count', 1)
    FROM ins i
    WHERE i.ours
    ORDER BY i.seq;
END
$$;

CREATE OR REPLACE FUNCTION sequin_window_rewind_v1(p_account uuid, p_consumer uuid, p_from bigint, p_since timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  c consumers;
  v_cursor bigint;
  v_to bigint;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  IF c.kind = 'record' AND p_since IS NOT NULL THEN
    WITH wanted AS MATERIALIZED (
      SELECT r.id, r.updated_idx FROM record_versions r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx <= v_cursor
        AND (r.upstream_updated_at >= p_since OR r.upstream_updated_at IS NULL)
        AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
    )
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id)
    SELECT p_account, c.id, nextval('delivery_seq'), w.id FROM wanted w ORDER BY w.updated_idx
    -- A delivery the record has already is replaced by the new one.
    ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
    DO UPDATE SET seq = EXCLUDED.seq, lease_id = NULL, leased_until = '-infinity', retry_at = '-infinity',
      deliver_count = 0, delivered_idx = NULL, changed_idx = NULL, acked_idx = NULL, last_error = NULL;
  ELSE
    v_to := least(v_cursor, greatest(coalesce(p_from, 0) - 1, 0));
    IF c.kind = 'record' THEN
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
        AND (SELECT r.updated_idx FROM records r WHERE r.account_id = p_account AND r.id = d.record_id) > v_to;
    ELSE
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.event_seq > v_to;
    END IF;
    IF v_to < v_cursor THEN
      DELETE FROM consumer_cursors WHERE account_id = p_account AND consumer_id = c.id AND pos > v_to;
      INSERT INTO consumer_cursors (account_id, consumer_id, pos) VALUES (p_account, c.id, v_to)
      ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  VALUES (p_account, c.id, NULL, '-infinity');
END
$$;
