-- Ack for a 'window' consumer (migration 0007): finishes the deliveries whose seq and lease id
-- match. A record that changed while it was out (the pull saw a newer version) is not finished:
-- it goes back to the head of the window, deliverable at once, with the acked version noted for
-- mutations that await it. One row per matched delivery, and always one row saying whether the
-- token was live and which consumer (null: none) the request named; `wakes`: something may be
-- deliverable now (a record offered again, the next event of a key).
CREATE FUNCTION sequin_window_ack_v1(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                     p_token bytea, p_seqs bigint[], p_leases uuid[])
RETURNS TABLE (o_authorized boolean, o_consumer_id uuid, o_other_core boolean, o_seq bigint,
               o_lease_id uuid, o_wakes boolean)
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
  FROM sequin_window_settle_start_v1(p_account, p_consumer_id, p_consumer_name, p_token);
  o_authorized := v_start.authorized;
  c := v_start.consumer;
  o_consumer_id := c.id;
  o_other_core := c.core IS DISTINCT FROM 'window';
  IF c.id IS NULL OR o_other_core THEN
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
    acked_idx = d.delivered_idx
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
