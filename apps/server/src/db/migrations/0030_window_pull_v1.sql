-- The lease of a record stream with its pull in a routine of its own (sequin_window_pull_v1),
-- whose statements are planned once per connection; otherwise as sequin_window_lease_v2
-- (migration 0020), which it replaces. With plan_cache_mode "auto", Postgres planned the pull
-- afresh on every call (a generic plan with a parameter for the LIMIT looks dearer than a custom
-- one): 0.4 ms a lease, spent with the pull lock held (bench/LOG.md, 2026-12-03). The ack's
-- token lookup likewise. The cursor lookup in PL/pgSQL, for the reason of migration 0029.
--
-- A plan kept for the connection is made from the statistics of its first call, maybe of an
-- empty table, where every index costs the same and the one with the fewest matching columns
-- wins by a hair: seen, a probe of `events` by (account_id, seq) planned on events_by_age, which
-- then read every event of the account per message. So only statements that such a plan cannot
-- get wrong are kept: the pull reads the log through records_by_version in order (bitmap scans
-- off, or it sorts the whole log; JIT off, since seq scans off can push a cost past its
-- threshold) and inserts through its arbiter index, and reads no contents (those come from
-- sequin_window_messages_v1 after the commit, planned per call); the token lookup probes the
-- primary key of `deliveries`, the only index its columns match. The pull of an event stream,
-- whose probes of `events` and of the keys in `deliveries` could, stays planned per call, in
-- the lease. window-plans.test.ts checks plans made from empty tables and from fresh statistics.
-- The helpers keep their names, arguments and answers: only how they run changes.

-- As in migration 0007; PL/pgSQL.
CREATE OR REPLACE FUNCTION sequin_window_cursor_v1(p_account uuid, p_consumer uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN coalesce((SELECT pos FROM consumer_cursors WHERE account_id = p_account AND consumer_id = p_consumer
                   ORDER BY pos DESC LIMIT 1), 0);
END
$$;

-- The token lookup of ack, nack, extend and term (migration 0007): its body unchanged.
ALTER FUNCTION sequin_window_lock_named_v1(uuid, uuid, bigint[], uuid[], boolean)
  SET plan_cache_mode = force_generic_plan SET enable_bitmapscan = off SET jit = off;

-- The pull of a record stream's lease: takes the consumer's pull lock (held to the end of the
-- lease's transaction), then leases up to p_want records from the log above the cursor and
-- moves the cursor past them. Rows as the lease's, without the record.
CREATE FUNCTION sequin_window_pull_v1(p_account uuid, c consumers, p_want int, p_until timestamptz)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off SET enable_bitmapscan = off SET jit = off
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
      FROM records r
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

CREATE FUNCTION sequin_window_lease_v3(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                       p_token bytea, p_batch int, p_cap int, p_inline boolean)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
-- Every step reaches its rows through a key whatever the statistics say, so a plan cached for the
-- connection serves every call (planning each statement afresh cost more than running it).
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
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

DROP FUNCTION sequin_window_lease_v2(uuid, uuid, text, bytea, int, int, boolean);
