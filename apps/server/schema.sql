-- The schema as migrate installs it (apps/server/scripts/schema-dump.ts); do not edit.
--
-- PostgreSQL database dump
--

--
-- Name: consumers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consumers (
    account_id uuid NOT NULL,
    id uuid NOT NULL,
    ord bigint NOT NULL,
    name text NOT NULL,
    stream_id uuid NOT NULL,
    kind text NOT NULL,
    filter_collection_id text DEFAULT '*'::text NOT NULL,
    filter_resource_id text DEFAULT '*'::text NOT NULL,
    filter_provider text DEFAULT '*'::text NOT NULL,
    filter_sync_id text DEFAULT '*'::text NOT NULL,
    deliver_policy text NOT NULL,
    ack_wait_ms integer NOT NULL,
    max_deliver integer NOT NULL,
    max_ack_pending integer NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    ordering text DEFAULT 'none'::text NOT NULL,
    key_path text[],
    backoff_ms integer[] DEFAULT '{0,1000,5000,30000}'::integer[] NOT NULL,
    paused_until timestamp with time zone,
    CONSTRAINT consumers_backoff_ms_check CHECK ((((cardinality(backoff_ms) >= 1) AND (cardinality(backoff_ms) <= 50)) AND (0 <= ALL (backoff_ms)))),
    CONSTRAINT consumers_deliver_policy_check CHECK ((deliver_policy = ANY (ARRAY['all'::text, 'new'::text]))),
    CONSTRAINT consumers_kind_check CHECK ((kind = ANY (ARRAY['record'::text, 'event'::text]))),
    CONSTRAINT consumers_ordering_check CHECK ((ordering = ANY (ARRAY['none'::text, 'per_key'::text])))
);

--
-- Name: sequin_backoff_v1(public.consumers, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_backoff_v1(c public.consumers, n integer) RETURNS interval
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT CASE WHEN c.max_deliver > 0 AND n >= c.max_deliver THEN interval '0'
              ELSE c.backoff_ms[least(greatest(n, 1), cardinality(c.backoff_ms))] * interval '1 millisecond' END
$$;

--
-- Name: sequin_consumer_v1(uuid, uuid, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_consumer_v1(p_account uuid, p_id uuid, p_name text) RETURNS SETOF public.consumers
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  RETURN QUERY
  SELECT * FROM consumers
  WHERE account_id = p_account AND (id = p_id OR name = p_name)
  ORDER BY (id = p_id) DESC NULLS LAST LIMIT 1;
END
$$;

--
-- Name: sequin_filter_match_v1(public.consumers, text, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_filter_match_v1(c public.consumers, collection_id text, resource_id text, provider text, sync_id text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT (c.filter_collection_id = '*' OR c.filter_collection_id = collection_id)
     AND (c.filter_resource_id = '*' OR c.filter_resource_id = resource_id)
     AND (c.filter_provider = '*' OR c.filter_provider = provider)
     AND (c.filter_sync_id = '*' OR c.filter_sync_id = sync_id)
$$;

--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    account_id uuid NOT NULL,
    stream_id uuid NOT NULL,
    seq bigint NOT NULL,
    record_id uuid,
    collection_id text NOT NULL,
    resource_id text,
    provider text,
    upstream_id text,
    action text NOT NULL,
    changes jsonb,
    data jsonb NOT NULL,
    updated_idx bigint,
    upstream_updated_at timestamp with time zone,
    sync jsonb,
    sync_id text GENERATED ALWAYS AS ((sync ->> 'id'::text)) STORED,
    inserted_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: sequin_order_key_v1(public.consumers, public.events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_order_key_v1(c public.consumers, e public.events) RETURNS bigint
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT CASE WHEN c.ordering = 'per_key' THEN hashtextextended(coalesce('k:' || (
    CASE c.key_path[1]
      WHEN 'data' THEN e.data #>> c.key_path[2:]
      WHEN 'changes' THEN e.changes #>> c.key_path[2:]
      WHEN 'sync' THEN e.sync #>> c.key_path[2:]
      WHEN 'collection_id' THEN e.collection_id
      WHEN 'resource_id' THEN e.resource_id
      WHEN 'provider' THEN e.provider
      WHEN 'upstream_id' THEN e.upstream_id
      WHEN 'record_id' THEN e.record_id::text
      WHEN 'action' THEN e.action
    END), 'r:' || coalesce(e.record_id::text, e.collection_id || chr(31) || e.upstream_id)), 0) END
$$;

--
-- Name: sequin_record_write_v2(uuid, uuid, jsonb, bytea, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_record_write_v2(p_account uuid, p_stream uuid, p_inputs jsonb, p_token bytea, p_records boolean) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    AS $$
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

--
-- Name: sequin_token_live_v1(uuid, bytea); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_token_live_v1(p_account uuid, p_token bytea) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  RETURN p_token IS NULL OR EXISTS (
    SELECT 1 FROM api_tokens WHERE token_hash = p_token AND account_id = p_account AND revoked_at IS NULL);
END
$$;

--
-- Name: sequin_window_ack_v2(uuid, uuid, text, bytea, bigint[], uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_ack_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, p_seqs bigint[], p_leases uuid[]) RETURNS TABLE(o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid, o_wakes boolean)
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  v_start record;
  c consumers;
  v_wakes boolean := false;
  v_done tid[];
  v_again tid[];
  v_seqs bigint[];
  v_leases uuid[];
  v_wake boolean[];
BEGIN
  SELECT * INTO v_start
  FROM sequin_window_settle_start_v2(p_account, p_consumer_id, p_consumer_name, p_token);
  o_authorized := v_start.authorized;
  c := v_start.consumer;
  o_consumer_id := c.id;
  IF c.id IS NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE NOT d.changed), '{}'),
         coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE d.changed), '{}'),
         coalesce(array_agg(d.seq ORDER BY d.seq), '{}'), coalesce(array_agg(d.lease_id ORDER BY d.seq), '{}'),
         coalesce(array_agg(d.keyed OR d.changed ORDER BY d.seq), '{}')
  INTO v_done, v_again, v_seqs, v_leases, v_wake
  FROM (SELECT n.tid, n.seq, n.lease_id, n.order_key IS NOT NULL AS keyed,
               coalesce(n.changed_idx > n.delivered_idx, false) AS changed
        FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, false) n) d;
  -- A statement of its own, so its snapshot sees the versions locked above: found by their
  -- tuple ids alone (a TID scan; with the key columns beside them, a planner that thinks the table
  -- is empty prefers walking the consumer's range). The rows are this consumer's: locked above.
  DELETE FROM deliveries d
  WHERE d.ctid = ANY(v_done);
  -- A record the pull saw change while it was out: offered again, at the head.
  UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity',
    retry_at = '-infinity', acked_idx = d.delivered_idx
  WHERE d.ctid = ANY(v_again);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := v_wake[i];
    v_wakes := v_wakes OR o_wakes;
    RETURN NEXT;
  END LOOP;
  IF v_wakes THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, '-infinity');
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := v_wakes;
  RETURN NEXT;
END
$$;

--
-- Name: sequin_window_backlog_v1(public.consumers, bigint, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_backlog_v1(c public.consumers, p_cursor bigint, p_cap integer) RETURNS bigint
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

--
-- Name: sequin_window_catch_up_v2(uuid, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_catch_up_v2(p_account uuid, p_consumer uuid) RETURNS void
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
  c consumers;
  v_cursor bigint;
  v_floor bigint;
  v_head bigint;
  v_tids tid[];
  v_idxs bigint[];
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  v_floor := sequin_window_floor_pos_v1(p_account, c.id);
  IF c.kind = 'record' THEN
    -- A record the window has already goes out again at its current version.
    SELECT coalesce(array_agg(h.tid), '{}'), coalesce(array_agg(r.updated_idx), '{}') INTO v_tids, v_idxs
    FROM record_versions r
    CROSS JOIN LATERAL (
      SELECT d.ctid AS tid FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
        AND (d.record_id, d.seq) > (r.id, v_floor) AND d.record_id <= r.id
      ORDER BY d.record_id, d.seq LIMIT 1 FOR UPDATE) h
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id);
    UPDATE deliveries d SET changed_idx = v_idxs[array_position(v_tids, d.ctid)] WHERE d.ctid = ANY(v_tids);
    -- The others, in log order.
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id, delivered_idx)
    SELECT p_account, c.id, nextval('delivery_seq'), r.id, NULL FROM record_versions r
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
      AND (SELECT 1 FROM deliveries d
           WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
             AND (d.record_id, d.seq) > (r.id, v_floor) AND d.record_id <= r.id
           ORDER BY d.record_id, d.seq LIMIT 1) IS NULL
    ORDER BY r.updated_idx;
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

--
-- Name: sequin_window_counts_v2(uuid, uuid, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_counts_v2(p_account uuid, p_consumer uuid, p_floor bigint, OUT leased bigint, OUT waiting bigint, OUT next_expiry timestamp with time zone) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  SELECT count(*) FILTER (WHERE d.leased_until > statement_timestamp()),
         count(*) FILTER (WHERE d.leased_until <= statement_timestamp()),
         min(d.retry_at) FILTER (WHERE d.retry_at > statement_timestamp())
  INTO leased, waiting, next_expiry
  FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > p_floor;
END
$$;

--
-- Name: sequin_window_cursor_v1(uuid, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_cursor_v1(p_account uuid, p_consumer uuid) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  RETURN coalesce((SELECT pos FROM consumer_cursors WHERE account_id = p_account AND consumer_id = p_consumer
                   ORDER BY pos DESC LIMIT 1), 0);
END
$$;

--
-- Name: sequin_window_extend_v2(uuid, uuid, text, bytea, bigint[], uuid[], double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_extend_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, p_seqs bigint[], p_leases uuid[], p_ms double precision) RETURNS TABLE(o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid, o_wakes boolean)
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  v_start record;
  c consumers;
  v_until timestamptz;
  v_tids tid[];
  v_seqs bigint[];
  v_leases uuid[];
BEGIN
  SELECT * INTO v_start
  FROM sequin_window_settle_start_v2(p_account, p_consumer_id, p_consumer_name, p_token);
  o_authorized := v_start.authorized;
  c := v_start.consumer;
  o_consumer_id := c.id;
  IF c.id IS NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  v_until := statement_timestamp() + coalesce(p_ms, c.ack_wait_ms) * interval '1 millisecond';
  SELECT coalesce(array_agg(n.tid ORDER BY n.seq), '{}'), coalesce(array_agg(n.seq ORDER BY n.seq), '{}'),
         coalesce(array_agg(n.lease_id ORDER BY n.seq), '{}')
  INTO v_tids, v_seqs, v_leases
  FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, true) n;
  UPDATE deliveries d SET leased_until = v_until, retry_at = v_until + sequin_backoff_v1(c, d.deliver_count)
  WHERE d.ctid = ANY(v_tids);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := false;
    RETURN NEXT;
  END LOOP;
  -- A shorter extension can end before the consumer's noted next expiry.
  IF cardinality(v_seqs) > 0 THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, v_until);
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := false;
  RETURN NEXT;
END
$$;

--
-- Name: sequin_window_floor_pos_v1(uuid, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_floor_pos_v1(p_account uuid, p_consumer uuid) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  RETURN coalesce((SELECT f.pos FROM consumer_floors f
                   WHERE f.account_id = p_account AND f.consumer_id = p_consumer AND f.pos IS NOT NULL
                   ORDER BY f.id DESC LIMIT 1), 0);
END
$$;

--
-- Name: sequin_window_floor_v1(uuid, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_floor_v1(p_account uuid, p_consumer uuid, OUT id bigint, OUT pos bigint, OUT at timestamp with time zone, OUT next_expiry timestamp with time zone) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
  SELECT f.id, f.pos, f.at INTO id, pos, at FROM consumer_floors f
  WHERE f.account_id = p_account AND f.consumer_id = p_consumer AND f.pos IS NOT NULL
  ORDER BY f.id DESC LIMIT 1;
  IF id IS NOT NULL THEN
    SELECT min(x.next_expiry) INTO next_expiry FROM consumer_floors x
    WHERE x.account_id = p_account AND x.consumer_id = p_consumer AND x.id >= sequin_window_floor_v1.id;
  END IF;
END
$$;

--
-- Name: sequin_window_lease_v3(uuid, uuid, text, bytea, integer, integer, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_lease_v3(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, p_batch integer, p_cap integer, p_inline boolean) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    AS $$
DECLARE
  c consumers;
  v_floor record;
  v_now timestamptz := statement_timestamp();
  v_until timestamptz;
  v_win record;
  v_want int;
  v_got int := 0;
  v_dead int := 0;
  v_pulled int := 0;
  v_cursor bigint;
  v_backlog bigint := 0;
  v_row jsonb;
  v_scan int;
  v_lease_tids tid[];
  v_lease_idxs bigint[];
  v_dead_tids tid[];
  v_gone_tids tid[];
BEGIN
  IF NOT sequin_token_live_v1(p_account, p_token) THEN
    RETURN NEXT '{"unauthorized": true}'::jsonb;
    RETURN;
  END IF;
  SELECT * INTO c FROM sequin_consumer_v1(p_account, p_consumer_id, p_consumer_name);
  IF c.id IS NULL THEN
    RETURN NEXT '{"not_found": true}'::jsonb;
    RETURN;
  END IF;
  -- A lease lost in a crash only makes its messages deliverable early.
  PERFORM set_config('synchronous_commit', 'off', true);
  -- Shared: every writer of deliveries holds it; the floor moves only under it exclusively.
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  SELECT * INTO v_floor FROM sequin_window_floor_v1(p_account, c.id);
  v_until := v_now + c.ack_wait_ms * interval '1 millisecond';
  SELECT * INTO v_win FROM sequin_window_counts_v2(p_account, c.id, coalesce(v_floor.pos, 0));
  IF c.paused_until > v_now THEN
    -- Paused: nothing is leased; a long-poll waits for the resume's wake-up or the pause's end.
    RETURN NEXT jsonb_build_object(
      'state', jsonb_build_object(
        'leased', v_win.leased,
        'live', v_win.leased + v_win.waiting
                + sequin_window_backlog_v1(c, sequin_window_cursor_v1(p_account, c.id), p_cap),
        'next_expiry', CASE WHEN c.paused_until < 'infinity' THEN c.paused_until END,
        'max_ack_pending', c.max_ack_pending),
      'consumer_id', c.id, 'stream_id', c.stream_id, 'move_floor', false);
    RETURN;
  END IF;
  v_want := least(p_batch, greatest(c.max_ack_pending - v_win.leased, 0));

  -- 1. The window.
  IF v_want > 0 AND coalesce(v_floor.next_expiry, '-infinity') <= v_now THEN
    -- The deliverable deliveries above the floor, locked in seq order, skipping those other
    -- leases hold, each with its fate: a dead letter, gone (its event expired from the stream),
    -- or leased again with the record's current version.
    SELECT coalesce(array_agg(x.tid ORDER BY x.seq) FILTER (WHERE x.fate = 'lease'), '{}'),
           coalesce(array_agg(x.idx ORDER BY x.seq) FILTER (WHERE x.fate = 'lease'), '{}'),
           coalesce(array_agg(x.tid ORDER BY x.seq) FILTER (WHERE x.fate = 'dead'), '{}'),
           coalesce(array_agg(x.tid ORDER BY x.seq) FILTER (WHERE x.fate = 'gone'), '{}')
    INTO v_lease_tids, v_lease_idxs, v_dead_tids, v_gone_tids
    FROM (
      SELECT y.tid, y.seq, y.idx,
             CASE WHEN (y.record_id IS NOT NULL AND y.idx IS NULL)
                       OR (y.event_seq IS NOT NULL AND NOT y.event_there) THEN 'gone'
                  WHEN c.max_deliver > 0 AND y.deliver_count >= c.max_deliver
                       AND (y.record_id IS NULL OR y.idx <= y.delivered_idx) THEN 'dead'
                  ELSE 'lease' END AS fate
      FROM (
        SELECT d.ctid AS tid, d.seq, d.record_id, d.event_seq, d.deliver_count, d.delivered_idx,
               -- Probes by primary key, whatever the statistics say.
               (SELECT r.updated_idx FROM records r WHERE r.account_id = p_account AND r.id = d.record_id) AS idx,
               EXISTS (SELECT 1 FROM events e WHERE e.account_id = p_account AND e.seq = d.event_seq) AS event_there
        FROM deliveries d
        WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.seq > coalesce(v_floor.pos, 0)
          AND d.retry_at <= v_now
          AND (d.order_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM deliveries o
            WHERE o.account_id = p_account AND o.consumer_id = c.id AND o.order_key = d.order_key
              AND o.key_seq < d.key_seq))
        ORDER BY d.seq LIMIT v_want
        FOR UPDATE OF d SKIP LOCKED) y) x;
    -- Then each change by tuple id, in statements of their own (see sequin_window_ack_v1).
    WITH dead AS (
      DELETE FROM deliveries d WHERE d.ctid = ANY(v_dead_tids)
      RETURNING d.seq, d.record_id, d.event_seq, d.deliver_count, d.last_error
    )
    INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at,
                              cause, last_error)
    SELECT p_account, c.id, x.seq, x.record_id, x.event_seq, x.deliver_count, v_now, 'max_deliver',
           x.last_error
    FROM dead x;
    GET DIAGNOSTICS v_dead = ROW_COUNT;
    IF v_dead > 0 THEN
      RETURN NEXT jsonb_build_object('dead_count', v_dead);
    END IF;
    DELETE FROM deliveries d WHERE d.ctid = ANY(v_gone_tids);
    FOR v_row IN
      -- To a new seq at the head: a message that keeps coming back never holds the floor.
      UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = gen_random_uuid(),
        leased_until = v_until, changed_idx = NULL,
        delivered_idx = v_lease_idxs[array_position(v_lease_tids, d.ctid)],
        deliver_count = CASE WHEN d.record_id IS NOT NULL
                              AND d.delivered_idx IS DISTINCT FROM v_lease_idxs[array_position(v_lease_tids, d.ctid)]
                             THEN 1 ELSE d.deliver_count + 1 END,
        -- Should this lease run out, the message waits the backoff of that delivery count.
        retry_at = v_until + sequin_backoff_v1(c, CASE WHEN d.record_id IS NOT NULL
                              AND d.delivered_idx IS DISTINCT FROM v_lease_idxs[array_position(v_lease_tids, d.ctid)]
                             THEN 1 ELSE d.deliver_count + 1 END)
      WHERE d.ctid = ANY(v_lease_tids)
      RETURNING jsonb_build_object('m_seq', d.seq, 'lease_id', d.lease_id, 'leased_until', v_until,
                                   'deliver_count', d.deliver_count,
        'record', CASE WHEN p_inline THEN (SELECT to_jsonb(r) FROM records r
                                           WHERE r.account_id = p_account AND r.id = d.record_id) END,
        'event', CASE WHEN p_inline THEN (SELECT to_jsonb(e) FROM events e
                                          WHERE e.account_id = p_account AND e.seq = d.event_seq) END)
    LOOP
      v_got := v_got + 1;
      RETURN NEXT v_row;
    END LOOP;
  END IF;

  -- 2. The log.
  -- What is left in the log, counted before the pull lock is taken (as much as the pull may take
  -- plus p_cap): with nothing there, no lock at all.
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  v_backlog := sequin_window_backlog_v1(c, v_cursor, p_cap + greatest(v_want - v_got, 0));
  IF v_got < v_want AND v_backlog > 0 THEN
    -- Leases made now end before the floor said anything would: say so (before the pull, so
    -- that its lock is held for the pull alone).
    IF v_until < coalesce(v_floor.next_expiry, 'infinity') THEN
      INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
      VALUES (p_account, c.id, NULL, v_until);
    END IF;
    -- The last statement of this call: the pull lock is held to the commit.
    IF c.kind = 'record' THEN
      FOR v_row IN SELECT * FROM sequin_window_pull_v1(p_account, c, v_want - v_got, v_until)
      LOOP
        v_pulled := v_pulled + 1;
        RETURN NEXT v_row;
      END LOOP;
    ELSE
      -- An event stream's pull, as in migration 0020 (plan_cache_mode auto: see above).
      PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
      v_cursor := sequin_window_cursor_v1(p_account, c.id);
      -- How far one pull may read past rows the filters skip (with no filter: no further).
      v_scan := CASE WHEN c.filter_collection_id = '*' AND c.filter_resource_id = '*'
                          AND c.filter_provider = '*' AND c.filter_sync_id = '*'
                     THEN v_want - v_got ELSE greatest((v_want - v_got) * 4, 1000) END;
      FOR v_row IN
        WITH scan AS MATERIALIZED (
          SELECT e.seq, sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id) AS wanted
          FROM events e
          WHERE e.account_id = p_account AND e.stream_id = c.stream_id AND e.seq > v_cursor
          ORDER BY e.seq LIMIT v_scan
        ), taken AS MATERIALIZED (
          SELECT e.seq, sequin_order_key_v1(c, e) AS order_key
          FROM scan s JOIN events e ON e.account_id = p_account AND e.seq = s.seq
          WHERE s.wanted
          ORDER BY s.seq LIMIT v_want - v_got
        ), judged AS MATERIALIZED (
          -- Free: no earlier message of its key in the window or earlier in this batch.
          SELECT t.*, t.order_key IS NULL OR (
                   t.seq = min(t.seq) OVER (PARTITION BY t.order_key)
                   AND NOT EXISTS (SELECT 1 FROM deliveries o
                                   WHERE o.account_id = p_account AND o.consumer_id = c.id
                                     AND o.order_key = t.order_key)) AS free
          FROM taken t
        ), moved AS (
          INSERT INTO consumer_cursors (account_id, consumer_id, pos)
          SELECT p_account, c.id,
                 CASE WHEN (SELECT count(*) FROM taken) >= v_want - v_got
                      THEN (SELECT max(t.seq) FROM taken t)
                      ELSE (SELECT max(s.seq) FROM scan s) END
          WHERE EXISTS (SELECT 1 FROM scan)
          ON CONFLICT DO NOTHING
        ), ins AS (
          INSERT INTO deliveries (account_id, consumer_id, seq, event_seq, order_key, key_seq, lease_id,
                                  leased_until, retry_at, deliver_count)
          SELECT p_account, c.id, nextval('delivery_seq'), j.seq, j.order_key, j.seq,
                 CASE WHEN j.free THEN gen_random_uuid() END,
                 CASE WHEN j.free THEN v_until ELSE '-infinity' END,
                 CASE WHEN j.free THEN v_until + sequin_backoff_v1(c, 1) ELSE '-infinity' END,
                 CASE WHEN j.free THEN 1 ELSE 0 END
          FROM judged j ORDER BY j.seq
          RETURNING seq, lease_id, event_seq
        )
        SELECT jsonb_build_object('m_seq', i.seq, 'lease_id', i.lease_id, 'leased_until', v_until,
                                  'deliver_count', 1,
          'event', CASE WHEN p_inline THEN (SELECT to_jsonb(e) FROM events e
                                            WHERE e.account_id = p_account AND e.seq = i.event_seq) END)
        FROM ins i
        WHERE i.lease_id IS NOT NULL
        ORDER BY i.seq
      LOOP
        v_pulled := v_pulled + 1;
        RETURN NEXT v_row;
      END LOOP;
    END IF;
  END IF;

  -- The counts read before, with what this call leased: in a sequential use, exact.
  RETURN NEXT jsonb_build_object(
    'state', jsonb_build_object(
      'leased', v_win.leased + v_got + v_pulled,
      'live', v_win.leased + v_got + v_pulled + greatest(v_win.waiting - v_got - v_dead, 0)
              + greatest(v_backlog - v_pulled, 0),
      'next_expiry', CASE WHEN v_got + v_pulled > 0 THEN least(v_win.next_expiry, v_until)
                          ELSE v_win.next_expiry END,
      'max_ack_pending', c.max_ack_pending),
    'consumer_id', c.id, 'stream_id', c.stream_id,
    -- The floor is over a second old, or the window was read because something was due.
    'move_floor', v_floor.id IS NULL OR v_floor.at < v_now - interval '1 second'
                  OR coalesce(v_floor.next_expiry, '-infinity') <= v_now);
END
$$;

--
-- Name: sequin_window_lock_named_v1(uuid, uuid, bigint[], uuid[], boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_lock_named_v1(p_account uuid, p_consumer uuid, p_seqs bigint[], p_leases uuid[], p_running boolean) RETURNS TABLE(tid tid, seq bigint, lease_id uuid, record_id uuid, event_seq bigint, order_key bigint, deliver_count integer, delivered_idx bigint, changed_idx bigint)
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    AS $$
BEGIN
  RETURN QUERY
  SELECT d.* FROM (SELECT * FROM unnest(p_seqs, p_leases) AS u(seq, lease_id) ORDER BY 1) t
  CROSS JOIN LATERAL (
    SELECT x.ctid, x.seq, x.lease_id, x.record_id, x.event_seq, x.order_key, x.deliver_count,
           x.delivered_idx, x.changed_idx
    FROM deliveries x
    WHERE x.account_id = p_account AND x.consumer_id = p_consumer AND x.seq = t.seq
      AND x.lease_id = t.lease_id AND (NOT p_running OR x.leased_until > statement_timestamp())
    LIMIT 1
    FOR UPDATE) d
  ORDER BY d.seq;
END
$$;

--
-- Name: sequin_window_messages_v1(uuid, uuid, bigint[], uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_messages_v1(p_account uuid, p_consumer uuid, p_seqs bigint[], p_leases uuid[]) RETURNS SETOF jsonb
    LANGUAGE sql STABLE
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    AS $$
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

--
-- Name: sequin_window_move_floor_v2(uuid, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_move_floor_v2(p_account uuid, p_consumer uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
  v_old consumer_floors;
  v_first bigint;
  v_expiry timestamptz;
BEGIN
  PERFORM set_config('lock_timeout', '200ms', true);
  PERFORM pg_advisory_xact_lock(737604, hashtext(p_consumer::text));
  SELECT * INTO v_old FROM consumer_floors
  WHERE account_id = p_account AND consumer_id = p_consumer AND pos IS NOT NULL
  ORDER BY id DESC LIMIT 1;
  SELECT min(d.seq), min(d.retry_at) FILTER (WHERE d.order_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM deliveries o WHERE o.account_id = p_account AND o.consumer_id = p_consumer
             AND o.order_key = d.order_key AND o.key_seq < d.key_seq))
  INTO v_first, v_expiry FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > coalesce(v_old.pos, 0);
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  VALUES (p_account, p_consumer,
          coalesce(v_first - 1, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                                 FROM delivery_seq)),
          coalesce(v_expiry, 'infinity'));
  IF v_old.id IS NOT NULL THEN
    DELETE FROM consumer_floors WHERE account_id = p_account AND consumer_id = p_consumer AND id <= v_old.id;
  END IF;
  DELETE FROM consumer_cursors
  WHERE account_id = p_account AND consumer_id = p_consumer
    AND pos < sequin_window_cursor_v1(p_account, p_consumer);
END
$$;

--
-- Name: sequin_window_nack_v2(uuid, uuid, text, bytea, bigint[], uuid[], double precision, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_nack_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, p_seqs bigint[], p_leases uuid[], p_delay_ms double precision, p_reason text) RETURNS TABLE(o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid, o_wakes boolean)
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  v_start record;
  c consumers;
  v_now timestamptz := statement_timestamp();
  v_dead tid[];
  v_again tid[];
  v_seqs bigint[];
  v_leases uuid[];
  v_first timestamptz;
BEGIN
  SELECT * INTO v_start
  FROM sequin_window_settle_start_v2(p_account, p_consumer_id, p_consumer_name, p_token);
  o_authorized := v_start.authorized;
  c := v_start.consumer;
  o_consumer_id := c.id;
  IF c.id IS NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE d.dead), '{}'),
         coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE NOT d.dead), '{}'),
         coalesce(array_agg(d.seq ORDER BY d.seq), '{}'), coalesce(array_agg(d.lease_id ORDER BY d.seq), '{}')
  INTO v_dead, v_again, v_seqs, v_leases
  FROM (SELECT n.tid, n.seq, n.lease_id,
               c.max_deliver > 0 AND n.deliver_count >= c.max_deliver
                 AND (n.record_id IS NULL OR coalesce(n.changed_idx <= n.delivered_idx, true)) AS dead
        FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, false) n) d;
  WITH dead AS (
    DELETE FROM deliveries d
    WHERE d.ctid = ANY(v_dead)
    RETURNING d.seq, d.record_id, d.event_seq, d.deliver_count, d.last_error
  )
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at,
                            cause, last_error)
  SELECT p_account, c.id, x.seq, x.record_id, x.event_seq, x.deliver_count, v_now, 'max_deliver',
         coalesce(p_reason, x.last_error)
  FROM dead x;
  WITH again AS (
    UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity',
      retry_at = v_now + coalesce(p_delay_ms * interval '1 millisecond', sequin_backoff_v1(c, d.deliver_count)),
      last_error = coalesce(p_reason, d.last_error)
    WHERE d.ctid = ANY(v_again)
    RETURNING d.retry_at
  )
  SELECT min(retry_at) INTO v_first FROM again;
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := true;
    RETURN NEXT;
  END LOOP;
  -- A dead letter frees its key at once; a nacked delivery is due at its retry_at.
  IF cardinality(v_dead) > 0 OR v_first IS NOT NULL THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, CASE WHEN cardinality(v_dead) > 0 THEN '-infinity' ELSE v_first END);
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := cardinality(v_seqs) > 0;
  RETURN NEXT;
END
$$;

--
-- Name: sequin_window_pull_v1(uuid, public.consumers, integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_pull_v1(p_account uuid, c public.consumers, p_want integer, p_until timestamp with time zone) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_generic_plan'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_sort TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
  v_now timestamptz := statement_timestamp();
  v_backoff interval := sequin_backoff_v1(c, 1);
  v_cursor bigint;
  v_floor bigint;
  v_scan int;
  v_row jsonb;
  v_ids uuid[] := '{}';
  v_idxs bigint[] := '{}';
  v_seqs bigint[] := '{}';
  v_tids tid[];
  v_held uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  -- Read after the lock, in statements of their own: they see the pull that held the lock before.
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  v_floor := sequin_window_floor_pos_v1(p_account, c.id);
  -- How far one pull may read past rows the filters skip (with no filter: no further).
  v_scan := CASE WHEN c.filter_collection_id = '*' AND c.filter_resource_id = '*'
                      AND c.filter_provider = '*' AND c.filter_sync_id = '*'
                 THEN p_want ELSE greatest(p_want * 4, 1000) END;
  FOR v_row IN
    WITH scan AS MATERIALIZED (
      SELECT r.id, r.updated_idx,
             sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id) AS wanted
      FROM record_versions r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      ORDER BY r.updated_idx LIMIT v_scan
    ), taken AS MATERIALIZED (
      -- Each with the position it takes if leased now, drawn in log order, and whether the window
      -- has it already.
      -- (A scalar subquery, not EXISTS: the planner drops ORDER BY and LIMIT from an EXISTS, and
      -- then read the window by primary key per record in the held soak.)
      SELECT x.id, x.updated_idx, nextval('delivery_seq') AS seq,
             (SELECT d.seq FROM deliveries d
              WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
                AND (d.record_id, d.seq) > (x.id, v_floor) AND d.record_id <= x.id
              ORDER BY d.record_id, d.seq LIMIT 1) IS NOT NULL AS held
      FROM (SELECT s.id, s.updated_idx FROM scan s WHERE s.wanted
            ORDER BY s.updated_idx LIMIT p_want) x
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
      INSERT INTO deliveries (account_id, consumer_id, seq, record_id, lease_id, leased_until,
                              retry_at, deliver_count, delivered_idx)
      SELECT p_account, c.id, t.seq, t.id, gen_random_uuid(), p_until, p_until + v_backoff, 1,
             t.updated_idx
      FROM taken t WHERE NOT t.held
      RETURNING seq, lease_id
    )
    SELECT jsonb_build_object('m_seq', i.seq, 'lease_id', i.lease_id, 'leased_until', p_until,
                              'deliver_count', 1)
    FROM ins i
    UNION ALL
    SELECT jsonb_build_object('held', t.id, 'idx', t.updated_idx, 'seq', t.seq)
    FROM taken t WHERE t.held
  LOOP
    IF v_row ? 'held' THEN
      v_ids := v_ids || (v_row->>'held')::uuid;
      v_idxs := v_idxs || (v_row->>'idx')::bigint;
      v_seqs := v_seqs || (v_row->>'seq')::bigint;
    ELSE
      RETURN NEXT v_row;
    END IF;
  END LOOP;
  IF cardinality(v_ids) = 0 THEN
    RETURN;
  END IF;
  -- The records the window has already: their deliveries locked (an ack that deleted one first
  -- leaves nothing to lock: the lookup waits for the ack, then finds the row gone).
  SELECT coalesce(array_agg(h.tid), '{}'), coalesce(array_agg(t.id), '{}') INTO v_tids, v_held
  FROM unnest(v_ids) AS t(id)
  CROSS JOIN LATERAL (
    SELECT d.ctid AS tid FROM deliveries d
    WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
      AND (d.record_id, d.seq) > (t.id, v_floor) AND d.record_id <= t.id
    ORDER BY d.record_id, d.seq LIMIT 1 FOR UPDATE) h;
  RETURN QUERY
    WITH changed AS (
      -- While its lease runs, the new version goes out again after the ack; otherwise (waiting
      -- out a nack's delay or a backoff, or due now) it is leased now, at the head, counted from 1.
      UPDATE deliveries d SET
        changed_idx = CASE WHEN d.leased_until > v_now
                           THEN greatest(d.changed_idx, v_idxs[array_position(v_ids, d.record_id)]) END,
        seq = CASE WHEN d.leased_until > v_now THEN d.seq ELSE v_seqs[array_position(v_ids, d.record_id)] END,
        lease_id = CASE WHEN d.leased_until > v_now THEN d.lease_id ELSE gen_random_uuid() END,
        retry_at = CASE WHEN d.leased_until > v_now THEN d.retry_at ELSE p_until + v_backoff END,
        deliver_count = CASE WHEN d.leased_until > v_now THEN d.deliver_count ELSE 1 END,
        delivered_idx = CASE WHEN d.leased_until > v_now THEN d.delivered_idx
                             ELSE v_idxs[array_position(v_ids, d.record_id)] END,
        leased_until = CASE WHEN d.leased_until > v_now THEN d.leased_until ELSE p_until END
      WHERE d.ctid = ANY(v_tids)
      -- Taken over by this call: the only rows left without changed_idx.
      RETURNING d.seq, d.lease_id, d.changed_idx IS NULL AS ours
    ), ins AS (
      INSERT INTO deliveries (account_id, consumer_id, seq, record_id, lease_id, leased_until,
                              retry_at, deliver_count, delivered_idx)
      SELECT p_account, c.id, t.seq, t.id, gen_random_uuid(), p_until, p_until + v_backoff, 1, t.idx
      FROM unnest(v_ids, v_idxs, v_seqs) AS t(id, idx, seq)
      WHERE NOT t.id = ANY(v_held)
      RETURNING seq, lease_id
    )
    SELECT jsonb_build_object('m_seq', i.seq, 'lease_id', i.lease_id, 'leased_until', p_until,
                              'deliver_count', 1)
    FROM (SELECT x.seq, x.lease_id FROM changed x WHERE x.ours
          UNION ALL
          SELECT n.seq, n.lease_id FROM ins n) i;
END
$$;

--
-- Name: sequin_window_redrive_v1(uuid, uuid, bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_redrive_v1(p_account uuid, p_consumer uuid, p_seqs bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
  c consumers;
  v_floor bigint;
  v_n int;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_floor := sequin_window_floor_pos_v1(p_account, c.id);
  WITH d AS (
    DELETE FROM dead_letters
    WHERE account_id = p_account AND consumer_id = c.id AND (p_seqs IS NULL OR seq = ANY(p_seqs))
    RETURNING seq, record_id, event_seq
  ), back AS (
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id, event_seq, order_key, key_seq)
    SELECT p_account, c.id, nextval('delivery_seq'), x.record_id, x.event_seq, sequin_order_key_v1(c, e),
           CASE WHEN sequin_order_key_v1(c, e) IS NOT NULL THEN nextval('event_seq') END
    FROM (
      -- A record dead more than once comes back once, at its first dead letter's place.
      SELECT DISTINCT ON (coalesce(d.record_id::text, d.seq::text)) d.seq, d.record_id, d.event_seq
      FROM d ORDER BY coalesce(d.record_id::text, d.seq::text), d.seq
    ) x
    LEFT JOIN records r ON r.account_id = p_account AND r.id = x.record_id
    LEFT JOIN events e ON e.account_id = p_account AND e.seq = x.event_seq
    WHERE (r.id IS NOT NULL
           AND (SELECT 1 FROM deliveries w
                WHERE w.account_id = p_account AND w.consumer_id = c.id AND w.record_id IS NOT NULL
                  AND (w.record_id, w.seq) > (x.record_id, v_floor) AND w.record_id <= x.record_id
                ORDER BY w.record_id, w.seq LIMIT 1) IS NULL)
       OR e.seq IS NOT NULL
    ORDER BY x.seq
  )
  SELECT count(*) INTO v_n FROM d;
  IF v_n > 0 THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, '-infinity');
  END IF;
  RETURN v_n;
END
$$;

--
-- Name: sequin_window_rewind_v1(uuid, uuid, bigint, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_rewind_v1(p_account uuid, p_consumer uuid, p_from bigint, p_since timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
  c consumers;
  v_cursor bigint;
  v_floor bigint;
  v_to bigint;
  v_tids tid[];
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  v_floor := sequin_window_floor_pos_v1(p_account, c.id);
  IF c.kind = 'record' AND p_since IS NOT NULL THEN
    -- A delivery the record has already is replaced by a new one: all at the head, in log order.
    SELECT coalesce(array_agg(h.tid), '{}') INTO v_tids
    FROM record_versions r
    CROSS JOIN LATERAL (
      SELECT d.ctid AS tid FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
        AND (d.record_id, d.seq) > (r.id, v_floor) AND d.record_id <= r.id
      ORDER BY d.record_id, d.seq LIMIT 1 FOR UPDATE) h
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx <= v_cursor
      AND (r.upstream_updated_at >= p_since OR r.upstream_updated_at IS NULL)
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id);
    DELETE FROM deliveries d WHERE d.ctid = ANY(v_tids);
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id)
    SELECT p_account, c.id, nextval('delivery_seq'), r.id FROM record_versions r
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx <= v_cursor
      AND (r.upstream_updated_at >= p_since OR r.upstream_updated_at IS NULL)
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
    ORDER BY r.updated_idx;
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

--
-- Name: sequin_window_settle_start_v2(uuid, uuid, text, bytea); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_settle_start_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, OUT authorized boolean, OUT consumer public.consumers) RETURNS record
    LANGUAGE plpgsql
    AS $$
BEGIN
  authorized := sequin_token_live_v1(p_account, p_token);
  IF authorized THEN
    SELECT * INTO consumer FROM sequin_consumer_v1(p_account, p_consumer_id, p_consumer_name);
  END IF;
  IF consumer.id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock_shared(737604, hashtext(consumer.id::text));
  END IF;
END
$$;

--
-- Name: sequin_window_state_v2(uuid, uuid, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_state_v2(p_account uuid, p_consumer uuid, p_cap integer, OUT live bigint, OUT leased bigint, OUT next_expiry timestamp with time zone, OUT max_ack_pending integer) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
  c consumers;
  w record;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO w FROM sequin_window_counts_v2(p_account, p_consumer,
    coalesce((SELECT f.pos FROM sequin_window_floor_v1(p_account, p_consumer) f), 0));
  leased := w.leased;
  next_expiry := w.next_expiry;
  max_ack_pending := c.max_ack_pending;
  live := w.leased + w.waiting
    + sequin_window_backlog_v1(c, sequin_window_cursor_v1(p_account, p_consumer), p_cap);
END
$$;

--
-- Name: sequin_window_term_v1(uuid, uuid, text, bytea, bigint[], uuid[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sequin_window_term_v1(p_account uuid, p_consumer_id uuid, p_consumer_name text, p_token bytea, p_seqs bigint[], p_leases uuid[], p_reason text) RETURNS TABLE(o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid, o_wakes boolean)
    LANGUAGE plpgsql
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
  v_start record;
  c consumers;
  v_wakes boolean := false;
  v_done tid[];
  v_again tid[];
  v_seqs bigint[];
  v_leases uuid[];
  v_wake boolean[];
BEGIN
  SELECT * INTO v_start
  FROM sequin_window_settle_start_v2(p_account, p_consumer_id, p_consumer_name, p_token);
  o_authorized := v_start.authorized;
  c := v_start.consumer;
  o_consumer_id := c.id;
  IF c.id IS NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT coalesce(array_agg(n.tid ORDER BY n.seq) FILTER (WHERE NOT n.changed), '{}'),
         coalesce(array_agg(n.tid ORDER BY n.seq) FILTER (WHERE n.changed), '{}'),
         coalesce(array_agg(n.seq ORDER BY n.seq), '{}'), coalesce(array_agg(n.lease_id ORDER BY n.seq), '{}'),
         coalesce(array_agg(n.keyed OR n.changed ORDER BY n.seq), '{}')
  INTO v_done, v_again, v_seqs, v_leases, v_wake
  FROM (SELECT n.tid, n.seq, n.lease_id, n.order_key IS NOT NULL AS keyed,
               coalesce(n.changed_idx > n.delivered_idx, false) AS changed
        FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, false) n) n;
  -- Statements of their own, whose snapshots see the versions locked above (see
  -- sequin_window_ack_v1).
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at,
                            cause, last_error)
  SELECT p_account, c.id, d.seq, d.record_id, d.event_seq, d.deliver_count, statement_timestamp(),
         'terminated', coalesce(p_reason, d.last_error)
  FROM deliveries d WHERE d.ctid = ANY(v_done || v_again);
  DELETE FROM deliveries d WHERE d.ctid = ANY(v_done);
  UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity',
    retry_at = '-infinity', last_error = NULL
  WHERE d.ctid = ANY(v_again);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := v_wake[i];
    v_wakes := v_wakes OR o_wakes;
    RETURN NEXT;
  END LOOP;
  IF v_wakes THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, '-infinity');
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := v_wakes;
  RETURN NEXT;
END
$$;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id uuid NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    account_id uuid NOT NULL,
    id uuid NOT NULL,
    token_hash bytea NOT NULL,
    name text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone
);

--
-- Name: consumer_cursors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consumer_cursors (
    account_id uuid NOT NULL,
    consumer_id uuid NOT NULL,
    pos bigint NOT NULL
);

--
-- Name: consumer_floors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consumer_floors (
    account_id uuid NOT NULL,
    consumer_id uuid NOT NULL,
    id bigint NOT NULL,
    pos bigint,
    next_expiry timestamp with time zone NOT NULL,
    at timestamp with time zone DEFAULT statement_timestamp() NOT NULL
);

--
-- Name: consumer_floors_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.consumer_floors ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.consumer_floors_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: consumers_ord_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.consumers ALTER COLUMN ord ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.consumers_ord_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: dead_letters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dead_letters (
    account_id uuid NOT NULL,
    consumer_id uuid NOT NULL,
    seq bigint NOT NULL,
    record_id uuid,
    event_seq bigint,
    deliver_count integer NOT NULL,
    dead_at timestamp with time zone DEFAULT now() NOT NULL,
    cause text DEFAULT 'max_deliver'::text NOT NULL,
    last_error text,
    CONSTRAINT dead_letters_cause_check CHECK ((cause = ANY (ARRAY['max_deliver'::text, 'terminated'::text])))
);

--
-- Name: deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deliveries (
    account_id uuid NOT NULL,
    consumer_id uuid NOT NULL,
    seq bigint NOT NULL,
    record_id uuid,
    event_seq bigint,
    order_key bigint,
    key_seq bigint,
    lease_id uuid,
    leased_until timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    deliver_count integer DEFAULT 0 NOT NULL,
    delivered_idx bigint,
    changed_idx bigint,
    acked_idx bigint,
    retry_at timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    last_error text
)
WITH (fillfactor='80', autovacuum_vacuum_scale_factor='0.02', autovacuum_analyze_scale_factor='0.02');

--
-- Name: delivery_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.delivery_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: event_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.event_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    account_id uuid NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status integer,
    body text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    stage text,
    upstream_result jsonb,
    locked_until timestamp with time zone,
    CONSTRAINT idempotency_keys_stage_check CHECK ((stage = ANY (ARRAY['claimed'::text, 'upstream_done'::text, 'completed'::text])))
);

--
-- Name: record_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.record_keys (
    account_id uuid NOT NULL,
    id uuid NOT NULL,
    stream_id uuid NOT NULL,
    collection_id text NOT NULL,
    upstream_id text NOT NULL,
    inserted_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: record_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.record_version_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: record_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.record_versions (
    account_id uuid NOT NULL,
    id uuid NOT NULL,
    vid bigint NOT NULL,
    stream_id uuid NOT NULL,
    collection_id text NOT NULL,
    upstream_id text NOT NULL,
    resource_id text,
    provider text,
    upstream_created_at timestamp with time zone,
    upstream_updated_at timestamp with time zone,
    updated_idx bigint NOT NULL,
    deleted boolean NOT NULL,
    data jsonb NOT NULL,
    sync jsonb,
    sync_id text GENERATED ALWAYS AS ((sync ->> 'id'::text)) STORED,
    inserted_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: records; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.records AS
 SELECT k.account_id,
    k.id,
    k.stream_id,
    k.collection_id,
    k.upstream_id,
    v.resource_id,
    v.provider,
    v.upstream_created_at,
    v.upstream_updated_at,
    v.updated_idx,
    v.deleted,
    v.data,
    v.sync,
    v.sync_id,
    k.inserted_at
   FROM (public.record_keys k
     CROSS JOIN LATERAL ( SELECT x.resource_id,
            x.provider,
            x.upstream_created_at,
            x.upstream_updated_at,
            x.updated_idx,
            x.deleted,
            x.data,
            x.sync,
            x.sync_id
           FROM public.record_versions x
          WHERE ((x.account_id = k.account_id) AND (x.id = k.id))
          ORDER BY x.vid DESC
         LIMIT 1) v);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: streams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.streams (
    account_id uuid NOT NULL,
    id uuid NOT NULL,
    ord bigint NOT NULL,
    name text NOT NULL,
    event_retention_ms bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: streams_ord_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.streams ALTER COLUMN ord ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.streams_ord_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (account_id, id);

--
-- Name: consumer_cursors consumer_cursors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumer_cursors
    ADD CONSTRAINT consumer_cursors_pkey PRIMARY KEY (account_id, consumer_id, pos);

--
-- Name: consumer_floors consumer_floors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumer_floors
    ADD CONSTRAINT consumer_floors_pkey PRIMARY KEY (account_id, consumer_id, id);

--
-- Name: consumers consumers_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumers
    ADD CONSTRAINT consumers_name_key UNIQUE (account_id, name);

--
-- Name: consumers consumers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumers
    ADD CONSTRAINT consumers_pkey PRIMARY KEY (account_id, id);

--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (account_id, consumer_id, seq);

--
-- Name: deliveries deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (account_id, consumer_id, seq);

--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (account_id, seq);

--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (account_id, key);

--
-- Name: record_keys record_keys_identity; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_keys
    ADD CONSTRAINT record_keys_identity UNIQUE (account_id, collection_id, upstream_id, stream_id);

--
-- Name: record_keys record_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_keys
    ADD CONSTRAINT record_keys_pkey PRIMARY KEY (account_id, id);

--
-- Name: record_versions record_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_versions
    ADD CONSTRAINT record_versions_pkey PRIMARY KEY (account_id, id, vid);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: streams streams_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_name_key UNIQUE (account_id, name);

--
-- Name: streams streams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_pkey PRIMARY KEY (account_id, id);

--
-- Name: api_tokens_by_hash; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX api_tokens_by_hash ON public.api_tokens USING btree (token_hash);

--
-- Name: consumers_by_ord; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consumers_by_ord ON public.consumers USING btree (account_id, ord);

--
-- Name: consumers_by_stream; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consumers_by_stream ON public.consumers USING btree (account_id, stream_id);

--
-- Name: deliveries_by_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deliveries_by_key ON public.deliveries USING btree (account_id, consumer_id, order_key, key_seq) WHERE (order_key IS NOT NULL);

--
-- Name: deliveries_by_record; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deliveries_by_record ON public.deliveries USING btree (account_id, consumer_id, record_id, seq) WHERE (record_id IS NOT NULL);

--
-- Name: events_by_age; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_by_age ON public.events USING btree (account_id, stream_id, inserted_at);

--
-- Name: events_by_record; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_by_record ON public.events USING btree (account_id, record_id, updated_idx) WHERE (record_id IS NOT NULL);

--
-- Name: events_by_stream; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_by_stream ON public.events USING btree (account_id, stream_id, seq);

--
-- Name: idempotency_keys_by_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_by_expiry ON public.idempotency_keys USING btree (expires_at);

--
-- Name: record_versions_by_position; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX record_versions_by_position ON public.record_versions USING btree (account_id, stream_id, updated_idx);

--
-- Name: streams_by_ord; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX streams_by_ord ON public.streams USING btree (account_id, ord);

--
-- Name: api_tokens api_tokens_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;

--
-- Name: consumer_cursors consumer_cursors_account_id_consumer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumer_cursors
    ADD CONSTRAINT consumer_cursors_account_id_consumer_id_fkey FOREIGN KEY (account_id, consumer_id) REFERENCES public.consumers(account_id, id) ON DELETE CASCADE;

--
-- Name: consumer_floors consumer_floors_account_id_consumer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumer_floors
    ADD CONSTRAINT consumer_floors_account_id_consumer_id_fkey FOREIGN KEY (account_id, consumer_id) REFERENCES public.consumers(account_id, id) ON DELETE CASCADE;

--
-- Name: consumers consumers_account_id_stream_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consumers
    ADD CONSTRAINT consumers_account_id_stream_id_fkey FOREIGN KEY (account_id, stream_id) REFERENCES public.streams(account_id, id);

--
-- Name: dead_letters dead_letters_account_id_consumer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_account_id_consumer_id_fkey FOREIGN KEY (account_id, consumer_id) REFERENCES public.consumers(account_id, id) ON DELETE CASCADE;

--
-- Name: deliveries deliveries_account_id_consumer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_account_id_consumer_id_fkey FOREIGN KEY (account_id, consumer_id) REFERENCES public.consumers(account_id, id) ON DELETE CASCADE;

--
-- Name: events events_account_id_stream_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_account_id_stream_id_fkey FOREIGN KEY (account_id, stream_id) REFERENCES public.streams(account_id, id) ON DELETE CASCADE;

--
-- Name: idempotency_keys idempotency_keys_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;

--
-- Name: record_keys record_keys_account_id_stream_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_keys
    ADD CONSTRAINT record_keys_account_id_stream_id_fkey FOREIGN KEY (account_id, stream_id) REFERENCES public.streams(account_id, id) ON DELETE CASCADE;

--
-- Name: record_versions record_versions_account_id_stream_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_versions
    ADD CONSTRAINT record_versions_account_id_stream_id_fkey FOREIGN KEY (account_id, stream_id) REFERENCES public.streams(account_id, id) ON DELETE CASCADE;

--
-- Name: streams streams_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT streams_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;

--
-- PostgreSQL database dump complete
--
