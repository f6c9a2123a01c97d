-- The counts of a 'window' consumer (migration 0007) and when it next has something deliverable.
--
-- * leased: deliveries whose lease is running: exact (the window is small).
-- * pending: deliveries offered again or waiting behind their key, plus the log rows above the
--   cursor that the consumer wants (records it has no delivery for). The log part is counted
--   exactly up to p_cap rows; above that it is an estimate: p_cap scaled by the span of log
--   positions to the end of the stream over the span of the p_cap counted (positions are
--   shared by all streams, so positions alone would overcount).
-- * next_expiry: when the first running lease ends (null: none running).
CREATE FUNCTION sequin_window_state_v1(p_account uuid, p_consumer uuid, p_cap int,
                                       OUT live bigint, OUT leased bigint,
                                       OUT next_expiry timestamptz, OUT max_ack_pending int)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  c consumers;
  v_floor bigint;
  v_cursor bigint;
  v_window_pending bigint;
  v_counted bigint;
  v_first bigint;
  v_last bigint;
  v_head bigint;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  max_ack_pending := c.max_ack_pending;
  v_floor := coalesce((SELECT f.pos FROM sequin_window_floor_v1(p_account, p_consumer) f), 0);
  SELECT count(*) FILTER (WHERE d.leased_until > statement_timestamp()),
         count(*) FILTER (WHERE d.leased_until <= statement_timestamp()),
         min(d.leased_until) FILTER (WHERE d.leased_until > statement_timestamp())
  INTO leased, v_window_pending, next_expiry
  FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > v_floor;
  v_cursor := sequin_window_cursor_v1(p_account, p_consumer);
  IF c.kind = 'record' THEN
    SELECT count(*), min(x.pos), max(x.pos) INTO v_counted, v_first, v_last FROM (
      SELECT r.updated_idx AS pos FROM records r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
        AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.account_id = p_account
                          AND d.consumer_id = p_consumer AND d.record_id = r.id)
      ORDER BY r.updated_idx LIMIT p_cap) x;
    IF v_counted >= p_cap THEN
      SELECT r.updated_idx INTO v_head FROM records r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id ORDER BY r.updated_idx DESC LIMIT 1;
    END IF;
  ELSE
    SELECT count(*), min(x.pos), max(x.pos) INTO v_counted, v_first, v_last FROM (
      SELECT e.seq AS pos FROM events e
      WHERE e.account_id = p_account AND e.stream_id = c.stream_id AND e.seq > v_cursor
        AND sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id)
      ORDER BY e.seq LIMIT p_cap) x;
    IF v_counted >= p_cap THEN
      SELECT e.seq INTO v_head FROM events e
      WHERE e.account_id = p_account AND e.stream_id = c.stream_id ORDER BY e.seq DESC LIMIT 1;
    END IF;
  END IF;
  IF v_counted >= p_cap AND v_last > v_first THEN
    v_counted := round(v_counted::numeric * (v_head - v_first + 1) / (v_last - v_first + 1));
  END IF;
  live := leased + v_window_pending + v_counted;
END
$$;
