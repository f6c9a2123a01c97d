-- Catch-up before a filter change, as sequin_window_catch_up_v1 (migration 0013, which explains
-- it), now that every consumer is a window consumer.
CREATE FUNCTION sequin_window_catch_up_v2(p_account uuid, p_consumer uuid)
RETURNS void LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
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
    SELECT p_account, c.id, nextval('delivery_seq'), r.id, NULL FROM records r
    WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx > v_cursor
      AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
    ORDER BY r.updated_idx
    ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
    DO UPDATE SET changed_idx = (SELECT r.updated_idx FROM records r
                                 WHERE r.account_id = p_account AND r.id = d.record_id);
    SELECT r.updated_idx INTO v_head FROM records r
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
