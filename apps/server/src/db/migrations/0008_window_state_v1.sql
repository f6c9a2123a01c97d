-- The counts of a 'window' consumer (migration 0007). The lease (migration 0009) reads the same
-- two parts before it pulls, and answers with them adjusted by what it leased.

-- Its window above floor p_floor, in one walk: deliveries whose lease is running (exact: the
-- window is small), deliveries deliverable or waiting behind their key, and when the first
-- running lease ends (null: none is running).
CREATE FUNCTION sequin_window_counts_v1(p_account uuid, p_consumer uuid, p_floor bigint,
                                        OUT leased bigint, OUT waiting bigint,
                                        OUT next_expiry timestamptz)
-- PL/pgSQL for its cached plan (see sequin_window_floor_v1).
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT count(*) FILTER (WHERE d.leased_until > statement_timestamp()),
         count(*) FILTER (WHERE d.leased_until <= statement_timestamp()),
         min(d.leased_until) FILTER (WHERE d.leased_until > statement_timestamp())
  INTO leased, waiting, next_expiry
  FROM deliveries d
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq > p_floor;
END
$$;

-- The log rows above p_cursor that consumer `c` wants, counted exactly up to p_cap; above that
-- an estimate: p_cap scaled by the span of log positions to the end of the stream over the span
-- of the rows counted (positions are drawn for all streams, so a difference of positions alone
-- would overcount). A record leased and changed since counts: its newer version is pending.
CREATE FUNCTION sequin_window_backlog_v1(c consumers, p_cursor bigint, p_cap int)
RETURNS bigint LANGUAGE plpgsql STABLE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  v_counted bigint;
  v_first bigint;
  v_last bigint;
  v_head bigint;
BEGIN
  IF c.kind = 'record' THEN
    SELECT count(*), min(x.pos), max(x.pos) INTO v_counted, v_first, v_last FROM (
      SELECT r.updated_idx AS pos FROM records r
      WHERE r.account_id = c.account_id AND r.stream_id = c.stream_id AND r.updated_idx > p_cursor
        AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
      ORDER BY r.updated_idx LIMIT p_cap) x;
    IF v_counted >= p_cap THEN
      SELECT r.updated_idx INTO v_head FROM records r
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

-- The counts as the API shows them: live (pending + leased) and leased, the next expiry, and
-- max_ack_pending; pending exact up to p_cap messages of the log.
CREATE FUNCTION sequin_window_state_v1(p_account uuid, p_consumer uuid, p_cap int,
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
  SELECT * INTO w FROM sequin_window_counts_v1(p_account, p_consumer,
    coalesce((SELECT f.pos FROM sequin_window_floor_v1(p_account, p_consumer) f), 0));
  leased := w.leased;
  next_expiry := w.next_expiry;
  max_ack_pending := c.max_ack_pending;
  live := w.leased + w.waiting
    + sequin_window_backlog_v1(c, sequin_window_cursor_v1(p_account, p_consumer), p_cap);
END
$$;
