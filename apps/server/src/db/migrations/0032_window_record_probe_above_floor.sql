-- A record's delivery is looked up above the consumer's floor, so the deliveries a held snapshot
-- keeps are not visited (ADR 0008, "Window").
--
-- A delivery is inserted by the pull and deleted by the ack. `deliveries_by_record` was a unique
-- index on (account_id, consumer_id, record_id), the arbiter of the pull's ON CONFLICT: each pull
-- of a record checked every index entry of it, and with a snapshot held (a stuck client, a long
-- report) none of the finished deliveries' entries can be marked dead, so the check visited every
-- delivery the record ever had. The pull of 100 records touched 2,650 buffers in the first minute
-- of a held soak and 5,440 in the third (bench/src/designs/window-held.ts, bench/LOG.md).
--
-- Every delivery left lies above the floor (`consumer_floors`; it moves up only, under the window
-- lock held exclusively, and every writer of deliveries holds that lock shared). So the index now
-- ends with `seq`, and a lookup reads from (record, floor) to the record's last entry: the entries
-- of deliveries finished before the floor last moved lie below that range and are never read. The
-- index is no longer unique: one delivery per record is kept by the pull lock (737605), which
-- every routine that inserts a record's delivery holds (the pull, catch-up and rewind did;
-- redrive takes it here) before the statement that looks the record up.
--
-- How a lookup is written, so that no plan reads the window instead. The window has few live rows
-- and, under a held snapshot, a great many dead ones, which statistics do not count; every path
-- then looks like one row, and the primary key's (account_id, consumer_id) range with the record
-- as a filter won, reading the whole window, dead entries included, per record: planned from
-- empty tables with `record_id = $1 AND seq > floor`, also on a narrower (record_id, seq) index
-- (window-plans.test.ts, 500,000 rows thrown away for 100 records), and in the held design run
-- after an autovacuum ANALYZE with the row comparison below but sorts allowed (4.7M buffers and
-- 25-30 s for one pull of 100). So:
-- - `(record_id, seq) > (record, floor) AND record_id <= record ORDER BY record_id, seq LIMIT 1`,
--   in routines with sorts off: only this index gives that order, and any other path needs a sort,
--   which then costs too much to be chosen, whatever the statistics say. (An equality on record_id
--   would make the order one by seq alone, which the primary key gives too.)
-- - One such subquery per record (lateral, or scalar): a join of the records with `deliveries`,
--   from a CTE estimated at one row, was planned as a walk of the window per record.
-- - `record_id IS NOT NULL`, which the partial index needs stated.
--
-- In place of ON CONFLICT, each such routine locks the deliveries it finds (an ack that deletes one
-- first leaves nothing to lock: the lookup waits for the ack, then finds the row gone), changes
-- them by tuple id in a statement of its own (which sees the version it locked), and inserts the
-- records it found none for.
--
-- Also: the messages read after a lease, and the lease (whose re-lease probes a record alike), run
-- with bitmap scans off. After an autovacuum ANALYZE in the same held soak, the messages read's
-- probe of a record's current version became a bitmap scan of every version the snapshot kept
-- (800 buffers for 100 messages, then 3,900-7,800).
--
-- The routines keep their names, arguments and answers: only how they run changes.

DROP INDEX deliveries_by_record;
CREATE INDEX deliveries_by_record ON deliveries (account_id, consumer_id, record_id, seq)
  WHERE record_id IS NOT NULL;

-- Below it no delivery of the consumer is left. It stays put while the caller holds the window
-- lock (737604) shared; PL/pgSQL, for the reason of migration 0029.
CREATE FUNCTION sequin_window_floor_pos_v1(p_account uuid, p_consumer uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN coalesce((SELECT f.pos FROM consumer_floors f
                   WHERE f.account_id = p_account AND f.consumer_id = p_consumer AND f.pos IS NOT NULL
                   ORDER BY f.id DESC LIMIT 1), 0);
END
$$;

ALTER FUNCTION sequin_window_messages_v1(uuid, uuid, bigint[], uuid[]) SET enable_bitmapscan = off;
-- The lease's re-lease probes a record's current version alike.
ALTER FUNCTION sequin_window_lease_v3(uuid, uuid, text, bytea, integer, integer, boolean)
  SET enable_bitmapscan = off;

-- The pull of a record stream's lease (migration 0030): takes the consumer's pull lock (held to
-- the end of the lease's transaction), then leases up to p_want records from the log above the
-- cursor and moves the cursor past them. Rows as the lease's, without the record. The caller
-- holds the window lock shared.
--
-- One statement in the usual case, where no record taken has a delivery in the window: those are
-- inserted (no other routine inserts a record's delivery while the pull lock is held, so a
-- lookup that finds none stays true). Records that have one are locked, changed by tuple id, and
-- inserted if an ack deleted theirs meanwhile, in statements of their own: that split cost a
-- quarter of the throughput at batch 1 when every pull made it (bench/LOG.md, 2026-12-04).
CREATE OR REPLACE FUNCTION sequin_window_pull_v1(p_account uuid, c consumers, p_want int, p_until timestamptz)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_sort = off
SET enable_seqscan = off SET enable_bitmapscan = off SET jit = off
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

-- After a filter change (consumers/service.ts): what the log holds above the cursor goes into
-- the window, and the cursor moves to the head of the log.
CREATE OR REPLACE FUNCTION sequin_window_catch_up_v2(p_account uuid, p_consumer uuid) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
SET enable_sort = off SET jit = off
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

-- Rewind (migration 0026): from a log position, the cursor moves back and the window drops what
-- lies above it; from a time, a record stream's records changed since then go into the window.
CREATE OR REPLACE FUNCTION sequin_window_rewind_v1(p_account uuid, p_consumer uuid, p_from bigint,
                                                   p_since timestamptz) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
SET enable_sort = off SET jit = off
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

-- Redrive (migration 0014): dead letters go back into the window with a fresh count; a record
-- the window has already (pulled again since it died, or dead twice) needs no second delivery.
-- Now under the pull lock, as every insert of a record's delivery.
CREATE OR REPLACE FUNCTION sequin_window_redrive_v1(p_account uuid, p_consumer uuid, p_seqs bigint[])
RETURNS integer LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
SET enable_sort = off SET jit = off
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
