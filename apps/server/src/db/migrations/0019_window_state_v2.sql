-- The counts of a 'window' consumer (as migration 0008), with retry_at (migration 0018): the next
-- expiry is when the first delivery becomes deliverable again (a lease ending plus its backoff, a
-- nack's delay running out), which is when a waiting long-poll looks again.
CREATE FUNCTION sequin_window_counts_v2(p_account uuid, p_consumer uuid, p_floor bigint,
                                        OUT leased bigint, OUT waiting bigint,
                                        OUT next_expiry timestamptz)
-- PL/pgSQL for its cached plan (see sequin_window_floor_v1).
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT count(*) FILTER (WHERE d.leased_until > statement_timestamp()),
         count(*) FILTER (WHERE d.leased_until <= statement_timestamp()),
         min(d.retry_at) FILTER (WHERE d.retry_at > statement_timestamp())
  INTO leased, waiting, next_expiry
  FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > p_floor;
END
$$;

CREATE FUNCTION sequin_window_state_v2(p_account uuid, p_consumer uuid, p_cap int,
                                       OUT live bigint, OUT leased bigint,
                                       OUT next_expiry timestamptz, OUT max_ack_pending int)
LANGUAGE plpgsql STABLE AS $$
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

-- Moves the floor as sequin_window_move_floor_v1 (migration 0007) does, noting as the next expiry
-- the earliest retry_at (migration 0018) of what is not waiting behind its key.
CREATE FUNCTION sequin_window_move_floor_v2(p_account uuid, p_consumer uuid)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
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
