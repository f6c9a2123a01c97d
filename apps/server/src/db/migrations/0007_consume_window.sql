-- The "log + window" consume core (docs/decisions/0008-consume-core-log-and-window.md), beside
-- the fan-out core of migrations 0001-0006. A consumer is served by one core (consumers.core);
-- writes fan out only to 'fanout' consumers, and 'window' consumers read the stream itself:
--
-- * the log: `records` in updated_idx order (records_by_version: each record once, at its newest
--   version) and `events` in seq order (events_by_stream);
-- * a cursor per consumer: how far it has pulled from the log;
-- * a window per consumer: `deliveries`, what it pulled and has not finished;
-- * a floor per consumer: below which seq no delivery is left, and when a delivery next becomes
--   deliverable again.
--
-- Cursor and floor are rows that are inserted, never updated: the newest wins. A hot row updated
-- per lease would leave a version per update that a held snapshot keeps and every read walks.

ALTER TABLE consumers
  ADD COLUMN core text NOT NULL DEFAULT 'fanout' CHECK (core IN ('fanout', 'window'));

-- Positions of deliveries in their window. Not a log position: a delivery offered again (lease
-- ran out, nack, record changed while leased) moves to a new seq at the head, so a message that
-- keeps failing never holds the floor back.
CREATE SEQUENCE delivery_seq;

-- How far each consumer has pulled: a log position (records: updated_idx; events: seq). Every
-- log row at or below it has been considered: delivered, in the window, or filtered out.
CREATE TABLE consumer_cursors (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  pos bigint NOT NULL,
  PRIMARY KEY (account_id, consumer_id, pos),
  FOREIGN KEY (account_id, consumer_id) REFERENCES consumers (account_id, id) ON DELETE CASCADE
);

-- Floor rows (pos not null) are written by the routine that moves the floor, under the
-- consumer's window lock in exclusive mode: no delivery of the consumer is being inserted then,
-- so none can land below. Expiry rows (pos null) note that something becomes deliverable
-- earlier than the floor row said (a lease made, a nack, an ack that unblocked a key); the
-- consumer's next expiry is the earliest of the newest floor row and the expiry rows after it.
CREATE TABLE consumer_floors (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  pos bigint,
  next_expiry timestamptz NOT NULL,
  at timestamptz NOT NULL DEFAULT statement_timestamp(),
  PRIMARY KEY (account_id, consumer_id, id),
  FOREIGN KEY (account_id, consumer_id) REFERENCES consumers (account_id, id) ON DELETE CASCADE
);

-- Messages pulled and not finished: leased, offered again, or (per_key events) waiting for an
-- earlier message of their key. Bounded by max_ack_pending plus what waits behind a key.
CREATE TABLE deliveries (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  seq bigint NOT NULL,
  record_id uuid,
  event_seq bigint,
  -- per_key events: the key's hash and the event's log position (the order within the key).
  order_key bigint,
  key_seq bigint,
  lease_id uuid,
  -- '-infinity': deliverable now.
  leased_until timestamptz NOT NULL DEFAULT '-infinity',
  deliver_count integer NOT NULL DEFAULT 0,
  -- Records: the version the current or last delivery carried.
  delivered_idx bigint,
  -- Records: a newer version the log showed while this delivery was out (set by the pull).
  changed_idx bigint,
  -- Records: the version last acked while a newer one waits (mutations' await_consumer_ids).
  acked_idx bigint,
  PRIMARY KEY (account_id, consumer_id, seq),
  FOREIGN KEY (account_id, consumer_id) REFERENCES consumers (account_id, id) ON DELETE CASCADE
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE UNIQUE INDEX deliveries_by_record ON deliveries (account_id, consumer_id, record_id)
  WHERE record_id IS NOT NULL;
CREATE INDEX deliveries_by_key ON deliveries (account_id, consumer_id, order_key, key_seq)
  WHERE order_key IS NOT NULL;

-- Does consumer `c` want a log row with these attributes? Each filter is '*' or an exact value.
CREATE FUNCTION sequin_filter_match_v1(c consumers, collection_id text, resource_id text,
                                       provider text, sync_id text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT (c.filter_collection_id = '*' OR c.filter_collection_id = collection_id)
     AND (c.filter_resource_id = '*' OR c.filter_resource_id = resource_id)
     AND (c.filter_provider = '*' OR c.filter_provider = provider)
     AND (c.filter_sync_id = '*' OR c.filter_sync_id = sync_id)
$$;

-- The ordering key of event `e` in consumer `c` (ADR 0004): NULL unless the consumer orders per
-- key. The value at key_path when it is there, else the record (its id, else collection and
-- upstream id); hashed to 64 bits (a collision only makes two keys wait for each other).
CREATE FUNCTION sequin_order_key_v1(c consumers, e events)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
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

-- The consumer's cursor (0: nothing pulled yet).
CREATE FUNCTION sequin_window_cursor_v1(p_account uuid, p_consumer uuid)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT pos FROM consumer_cursors WHERE account_id = p_account AND consumer_id = p_consumer
                   ORDER BY pos DESC LIMIT 1), 0)
$$;

-- The consumer's floor and next expiry: the newest floor row, and the earliest expiry of it and
-- the expiry rows written after it.
CREATE FUNCTION sequin_window_floor_v1(p_account uuid, p_consumer uuid,
                                       OUT id bigint, OUT pos bigint, OUT at timestamptz,
                                       OUT next_expiry timestamptz)
-- PL/pgSQL, not SQL: its plans are kept per connection (a SQL function's are made on every call,
-- which cost ten times its queries in the lease).
LANGUAGE plpgsql STABLE AS $$
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

-- Moves the consumer's floor up to just below its oldest delivery (or to the last seq drawn when
-- it has none) and notes its next expiry; forgets the cursor and floor rows nothing reads any
-- more. Only with the window lock held exclusively (see consumer_floors).
CREATE FUNCTION sequin_window_move_floor_v1(p_account uuid, p_consumer uuid)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_old consumer_floors;
  v_first bigint;
  v_expiry timestamptz;
BEGIN
  -- Waits for the leases, acks and nacks under way (and holds new ones back) for a moment only.
  PERFORM set_config('lock_timeout', '200ms', true);
  PERFORM pg_advisory_xact_lock(737604, hashtext(p_consumer::text));
  SELECT * INTO v_old FROM consumer_floors
  WHERE account_id = p_account AND consumer_id = p_consumer AND pos IS NOT NULL
  ORDER BY id DESC LIMIT 1;
  -- A per_key event waiting behind an earlier one of its key is not deliverable: the ack or dead
  -- letter of that one notes an expiry row when it frees the key.
  SELECT min(d.seq), min(d.leased_until) FILTER (WHERE d.order_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM deliveries o WHERE o.account_id = p_account AND o.consumer_id = p_consumer
             AND o.order_key = d.order_key AND o.key_seq < d.key_seq))
  INTO v_first, v_expiry FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > coalesce(v_old.pos, 0);
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  VALUES (p_account, p_consumer,
          -- With no delivery left: the last seq drawn by anyone (the next one is above it).
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

-- Whether the request's bearer token (its sha256; null: the caller checked it) is live.
CREATE FUNCTION sequin_token_live_v1(p_account uuid, p_token bytea)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_token IS NULL OR EXISTS (
    SELECT 1 FROM api_tokens WHERE token_hash = p_token AND account_id = p_account AND revoked_at IS NULL)
$$;

-- The consumer a request names, by id or by name (an id wins, as in the server's
-- resolveConsumer); no row when there is none.
CREATE FUNCTION sequin_consumer_v1(p_account uuid, p_id uuid, p_name text)
RETURNS SETOF consumers LANGUAGE sql STABLE AS $$
  SELECT * FROM consumers
  WHERE account_id = p_account AND (id = p_id OR name = p_name)
  ORDER BY (id = p_id) DESC NULLS LAST LIMIT 1
$$;

-- The start of an ack, nack or extend (migrations 0010-0012): whether the token is live, and the
-- consumer it names (none: not found, or the token is not live). For a window consumer, the
-- consumer's window lock is taken shared, as every writer of deliveries takes it.
CREATE FUNCTION sequin_window_settle_start_v1(p_account uuid, p_consumer_id uuid,
                                              p_consumer_name text, p_token bytea,
                                              OUT authorized boolean, OUT consumer consumers)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  authorized := sequin_token_live_v1(p_account, p_token);
  IF authorized THEN
    SELECT * INTO consumer FROM sequin_consumer_v1(p_account, p_consumer_id, p_consumer_name);
  END IF;
  IF consumer.core = 'window' THEN
    PERFORM pg_advisory_xact_lock_shared(737604, hashtext(consumer.id::text));
  END IF;
END
$$;

-- The deliveries that tokens (seq and lease id, pairwise) name, locked in seq order (every
-- writer of deliveries locks in that order: writers wait, never deadlock); with p_running, only
-- those whose lease has not run out. One primary-key probe per token, in a subquery that cannot
-- be flattened into a join, so no plan made from stale statistics walks the window. `tid`: the
-- locked version, which a later statement of the caller (whose snapshot sees it) changes by
-- tuple id alone.
CREATE FUNCTION sequin_window_lock_named_v1(p_account uuid, p_consumer uuid, p_seqs bigint[],
                                            p_leases uuid[], p_running boolean)
RETURNS TABLE (tid tid, seq bigint, lease_id uuid, record_id uuid, event_seq bigint,
               order_key bigint, deliver_count int, delivered_idx bigint, changed_idx bigint)
LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
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
