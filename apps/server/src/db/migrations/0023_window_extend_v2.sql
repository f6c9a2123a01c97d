-- Extend for a 'window' consumer, as sequin_window_extend_v1 (migration 0012) with retry_at
-- (migration 0018): should the extended lease run out, the message waits the consumer's backoff
-- for its delivery count. Rows as sequin_window_ack_v2's.
CREATE FUNCTION sequin_window_extend_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                        p_token bytea, p_seqs bigint[], p_leases uuid[], p_ms float8)
RETURNS TABLE (o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid,
               o_wakes boolean)
LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  v_start record;
  c consumers;
  v_until timestamptz;
  v_tids tid[];
  v_seqs bigint[];
  v_leases uuid[];
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
  v_until := statement_timestamp() + coalesce(p_ms, c.ack_wait_ms) * interval '1 millisecond';
  SELECT coalesce(array_agg(n.tid ORDER BY n.seq), '{}'), coalesce(array_agg(n.seq ORDER BY n.seq), '{}'),
         coalesce(array_agg(n.lease_id ORDER BY n.seq), '{}')
  INTO v_tids, v_seqs, v_leases
  FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, true) n;
  UPDATE deliveries d SET leased_until = v_until, retry_at = v_until + sequin_backoff_v1(c, d.deliver_count)
  WHERE d.ctid = ANY(v_tids);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := false;
    RETURN NEXT;
  END LOOP;
  -- A shorter extension can end before the consumer's noted next expiry.
  IF cardinality(v_seqs) > 0 THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, v_until);
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := false;
  RETURN NEXT;
END
$$;
