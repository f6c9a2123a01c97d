-- Term for a 'window' consumer (openapi.yaml, terminateMessages): the deliveries whose seq and
-- lease id match become dead letters at once, whatever max_deliver says, with cause 'terminated'
-- and p_reason (null: the last error they had). A record the pull saw change while it was out
-- also goes back to the head of the window, deliverable at once, so that its newer version is
-- delivered: only the version that failed is given up. Rows as sequin_window_ack_v2's; `wakes`:
-- a key freed, or a record offered again.
CREATE FUNCTION sequin_window_term_v1(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                      p_token bytea, p_seqs bigint[], p_leases uuid[], p_reason text)
RETURNS TABLE (o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid,
               o_wakes boolean)
LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
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
