-- Prototype of the "log + window" consume core (bench/src/designs/README.md): records are an
-- append-only log of versions; each consumer has a cursor into that log and a small window of
-- deliveries (pulled, not yet acked). Record consumers only; no filters, no per_key ordering.

CREATE TABLE records (
  account_id uuid NOT NULL,
  id uuid NOT NULL,
  stream_id uuid NOT NULL,
  upstream_id text NOT NULL,
  PRIMARY KEY (account_id, id),
  UNIQUE (account_id, upstream_id, stream_id)
);

CREATE SEQUENCE version_seq;

-- Every version of every record, never updated: the stream's log (by idx) and the record's
-- history (newest first through record_versions_latest).
CREATE TABLE record_versions (
  account_id uuid NOT NULL,
  stream_id uuid NOT NULL,
  idx bigint NOT NULL,
  record_id uuid NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (account_id, stream_id, idx)
);
CREATE INDEX record_versions_latest ON record_versions (account_id, record_id, idx);

-- How far each consumer has pulled from the log: a row per pull, the newest wins.
CREATE TABLE consumer_cursors (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  pos bigint NOT NULL,
  PRIMARY KEY (account_id, consumer_id, pos)
);

-- Below which seq a consumer has no delivery left, and when its first lease runs out (-infinity:
-- something is deliverable again now): a row per change, the newest wins.
CREATE SEQUENCE consumer_floors_id;
CREATE TABLE consumer_floors (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  id bigint NOT NULL DEFAULT nextval('consumer_floors_id'),
  pos bigint NOT NULL,
  next_expiry timestamptz,
  PRIMARY KEY (account_id, consumer_id, id)
);

-- Messages pulled and not finished. seq: the log position (version idx) it was pulled at.
CREATE TABLE deliveries (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  seq bigint NOT NULL,
  record_id uuid NOT NULL,
  lease_id uuid,
  leased_until timestamptz NOT NULL,
  deliver_count int NOT NULL,
  delivered_idx bigint NOT NULL,
  PRIMARY KEY (account_id, consumer_id, seq)
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02);
CREATE INDEX deliveries_by_record ON deliveries (account_id, consumer_id, record_id, seq);

CREATE FUNCTION proto_floor(p_account uuid, p_consumer uuid, OUT pos bigint, OUT next_expiry timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(f.pos, 0), f.next_expiry FROM (SELECT 1) one LEFT JOIN LATERAL (
    SELECT pos, next_expiry FROM consumer_floors WHERE account_id = p_account AND consumer_id = p_consumer
    ORDER BY id DESC LIMIT 1) f ON true
$$;

-- The lease: deliveries whose lease ran out first (in seq order, above the floor), then new
-- versions pulled from the log above the cursor, under a per-consumer lock held only for the pull.
CREATE FUNCTION proto_lease(p_account uuid, p_consumer uuid, p_stream uuid, p_batch int, p_ack_wait_ms int)
RETURNS TABLE (seq bigint, lease_id uuid, deliver_count int, idx bigint, record_id uuid, data jsonb)
LANGUAGE plpgsql VOLATILE
-- Every step reaches its rows through a key, whatever the statistics of these young tables say.
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET enable_material = off
AS $$
DECLARE
  v_floor bigint;
  v_expiry timestamptz;
  v_got int := 0;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT f.pos, f.next_expiry INTO v_floor, v_expiry FROM proto_floor(p_account, p_consumer) f;
  -- Nothing has run out or been given back since the floor was last moved: no need to look.
  IF v_expiry IS NULL OR v_expiry <= statement_timestamp() THEN
  RETURN QUERY
  WITH cand AS MATERIALIZED (
    SELECT d.account_id, d.consumer_id, d.seq FROM deliveries d
    WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > v_floor
      AND d.leased_until <= statement_timestamp()
    ORDER BY d.seq LIMIT p_batch FOR UPDATE SKIP LOCKED
  ), cur AS (
    SELECT c.seq, v.idx, v.data FROM cand c
    JOIN deliveries d ON d.account_id = c.account_id AND d.consumer_id = c.consumer_id AND d.seq = c.seq
    CROSS JOIN LATERAL (SELECT w.idx, w.data FROM record_versions w
                        WHERE w.account_id = p_account AND w.record_id = d.record_id
                        ORDER BY w.idx DESC LIMIT 1) v
  )
  UPDATE deliveries d SET lease_id = gen_random_uuid(), seq = nextval('version_seq'),
    leased_until = statement_timestamp() + p_ack_wait_ms * interval '1 millisecond',
    deliver_count = CASE WHEN d.delivered_idx = cur.idx THEN d.deliver_count + 1 ELSE 1 END,
    delivered_idx = cur.idx
  FROM cur
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq = cur.seq
  RETURNING d.seq, d.lease_id, d.deliver_count, cur.idx, d.record_id, cur.data;
  GET DIAGNOSTICS v_got = ROW_COUNT;
  IF v_got >= p_batch THEN RETURN; END IF;
  END IF;

  PERFORM pg_advisory_xact_lock(77, hashtext(p_consumer::text));
  RETURN QUERY
  WITH h AS (
    SELECT coalesce((SELECT pos FROM consumer_cursors WHERE account_id = p_account AND consumer_id = p_consumer
                     ORDER BY pos DESC LIMIT 1), 0) AS pos
  ), cand AS MATERIALIZED (
    -- The newest version of each record above the cursor that the consumer is not delivering now.
    SELECT v.idx, v.record_id, v.data, gen_random_uuid() AS lease_id FROM record_versions v
    WHERE v.account_id = p_account AND v.stream_id = p_stream AND v.idx > (SELECT pos FROM h)
      AND NOT EXISTS (SELECT 1 FROM record_versions n
                      WHERE n.account_id = p_account AND n.record_id = v.record_id AND n.idx > v.idx)
      AND NOT EXISTS (SELECT 1 FROM deliveries o
                      WHERE o.account_id = p_account AND o.consumer_id = p_consumer
                        AND o.record_id = v.record_id AND o.seq > v_floor)
    ORDER BY v.idx LIMIT p_batch - v_got
  ), head AS (
    -- Where the cursor moves: past the last pulled version, or to the log's end when the batch is
    -- not full (same snapshot as cand, so nothing between is skipped unseen).
    SELECT CASE WHEN (SELECT count(*) FROM cand) >= p_batch - v_got THEN (SELECT max(c.idx) FROM cand c)
           ELSE (SELECT v.idx FROM record_versions v WHERE v.account_id = p_account AND v.stream_id = p_stream
                 ORDER BY v.idx DESC LIMIT 1) END AS pos
  ), moved AS (
    INSERT INTO consumer_cursors (account_id, consumer_id, pos)
    SELECT p_account, p_consumer, head.pos FROM head, h WHERE head.pos > h.pos
    ON CONFLICT DO NOTHING
  ), ins AS (
    -- Runs whether or not its rows are read: the answer comes from cand, in one pass.
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id, lease_id, leased_until, deliver_count, delivered_idx)
    SELECT p_account, p_consumer, c.idx, c.record_id, c.lease_id,
           statement_timestamp() + p_ack_wait_ms * interval '1 millisecond', 1, c.idx
    FROM cand c
  )
  SELECT c.idx, c.lease_id, 1, c.idx, c.record_id, c.data FROM cand c;
END
$$;

-- The ack: a delivery whose record has a newer version than the one delivered stays, leasable
-- at once (the newer version goes out); the others are deleted.
CREATE FUNCTION proto_ack(p_account uuid, p_consumer uuid, p_seqs bigint[], p_leases uuid[])
RETURNS int LANGUAGE sql VOLATILE
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET enable_material = off
AS $$
  -- Lease ids are unique per delivery, so matching seq and lease id each against its list is
  -- matching the pairs; and a primary-key lookup by = ANY() needs no join the planner could turn.
  WITH locked AS MATERIALIZED (
    SELECT d.seq, d.record_id, d.delivered_idx FROM deliveries d
    WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq = ANY(p_seqs)
      AND d.lease_id = ANY(p_leases)
    ORDER BY d.seq FOR UPDATE
  ), judged AS MATERIALIZED (
    SELECT l.seq, (SELECT w.idx FROM record_versions w WHERE w.account_id = p_account AND w.record_id = l.record_id
                   ORDER BY w.idx DESC LIMIT 1) > l.delivered_idx AS changed
    FROM locked l
  ), del AS (
    DELETE FROM deliveries d
    WHERE d.account_id = p_account AND d.consumer_id = p_consumer
      AND d.seq = ANY(ARRAY(SELECT j.seq FROM judged j WHERE NOT j.changed))
    RETURNING 1
  ), again AS (
    -- Moved to a new position at the head, so it never holds the floor back.
    UPDATE deliveries d SET lease_id = NULL, leased_until = '-infinity', seq = nextval('version_seq')
    WHERE d.account_id = p_account AND d.consumer_id = p_consumer
      AND d.seq = ANY(ARRAY(SELECT j.seq FROM judged j WHERE j.changed))
    RETURNING 1
  )
  , marked AS (
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    SELECT p_account, p_consumer, (SELECT pos FROM proto_floor(p_account, p_consumer)), '-infinity'
    WHERE EXISTS (SELECT 1 FROM again)
  )
  SELECT ((SELECT count(*) FROM del) + (SELECT count(*) FROM again))::int
$$;

-- Moves the floor up to the oldest delivery left (or the cursor when none is left), and notes when
-- the first lease runs out. Once a second or so; it walks the window once.
CREATE FUNCTION proto_advance_floor(p_account uuid, p_consumer uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
  WITH f AS (SELECT pos FROM proto_floor(p_account, p_consumer)),
  live AS (
    SELECT min(d.seq) AS first, min(d.leased_until) AS expiry FROM deliveries d, f
    WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > f.pos
  )
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  SELECT p_account, p_consumer,
         coalesce(live.first - 1, (SELECT pos FROM consumer_cursors WHERE account_id = p_account
                                   AND consumer_id = p_consumer ORDER BY pos DESC LIMIT 1), f.pos),
         coalesce(live.expiry, 'infinity')
  FROM live, f
$$;

-- The producer: a batch of record versions for existing records, under the stream's lock (so the
-- log commits in idx order); unchanged data writes nothing.
CREATE FUNCTION proto_write(p_account uuid, p_stream uuid, p_upstream text[], p_data jsonb[])
RETURNS int LANGUAGE plpgsql VOLATILE AS $$
DECLARE v_n int;
BEGIN
  PERFORM pg_advisory_xact_lock(78, hashtext(p_stream::text));
  INSERT INTO record_versions (account_id, stream_id, idx, record_id, data)
  SELECT p_account, p_stream, nextval('version_seq'), r.id, i.data
  FROM unnest(p_upstream, p_data) WITH ORDINALITY AS i(upstream_id, data, n)
  JOIN records r ON r.account_id = p_account AND r.upstream_id = i.upstream_id AND r.stream_id = p_stream
  WHERE (SELECT w.data FROM record_versions w WHERE w.account_id = p_account AND w.record_id = r.id
         ORDER BY w.idx DESC LIMIT 1) IS DISTINCT FROM i.data
  ORDER BY i.n;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END
$$;
