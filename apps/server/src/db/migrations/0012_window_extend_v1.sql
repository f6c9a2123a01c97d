-- Extend for a 'window' consumer (migration 0007): leases still running, matched by seq and lease
-- id, run until p_ms (null: the consumer's ack_wait_ms) from now. A lease that ran out may
-- already be someone else's, so it is not extended. Rows as sequin_window_ack_v1.
CREATE FUNCTION sequin_window_extend_v1(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                        p_token bytea, p_seqs bigint[], p_leases uuid[], p_ms float8)
RETURNS TABLE (o_authorized boolean, o_consumer_id uuid, o_other_core boolean, o_seq bigint,
               o_lease_id uuid, o_wakes boolean)
LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  v_start record;
  c consumers;
  v_until timestamptz;
  v_any boolean := false;
  v_tids tid[];
  v_seqs bigint[];
  v_leases uuid[];
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
  v_until := statement_timestamp() + coalesce(p_ms, c.ack_wait_ms) * interval '1 millisecond';
  SELECT coalesce(array_agg(n.tid ORDER BY n.seq), '{}'), coalesce(array_agg(n.seq ORDER BY n.seq), '{}'),
         coalesce(array_agg(n.lease_id ORDER BY n.seq), '{}')
  INTO v_tids, v_seqs, v_leases
  FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, true) n;
  UPDATE deliveries d SET leased_until = v_until
  WHERE d.ctid = ANY(v_tids);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := false;
    v_any := true;
    RETURN NEXT;
  END LOOP;
  -- A shorter extension can end before the consumer's noted next expiry.
  IF v_any THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, v_until);
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := false;
  RETURN NEXT;
END
$$;
