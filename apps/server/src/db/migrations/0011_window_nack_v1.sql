-- Nack for a 'window' consumer (migration 0007): the deliveries whose seq and lease id match go
-- back to the head of the window, deliverable at once; one that reached max_deliver (and whose
-- record did not change since) goes to dead_letters instead. Rows as sequin_window_ack_v1.
CREATE FUNCTION sequin_window_nack_v1(p_account uuid, p_consumer_id uuid, p_consumer_name text,
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
  v_any boolean := false;
  v_dead tid[];
  v_again tid[];
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
  SELECT coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE d.dead), '{}'),
         coalesce(array_agg(d.tid ORDER BY d.seq) FILTER (WHERE NOT d.dead), '{}'),
         coalesce(array_agg(d.seq ORDER BY d.seq), '{}'), coalesce(array_agg(d.lease_id ORDER BY d.seq), '{}')
  INTO v_dead, v_again, v_seqs, v_leases
  FROM (SELECT n.tid, n.seq, n.lease_id,
               c.max_deliver > 0 AND n.deliver_count >= c.max_deliver
                 AND (n.record_id IS NULL OR coalesce(n.changed_idx <= n.delivered_idx, true)) AS dead
        FROM sequin_window_lock_named_v1(p_account, c.id, p_seqs, p_leases, false) n) d;
  WITH dead AS (
    DELETE FROM deliveries d
    WHERE d.ctid = ANY(v_dead)
    RETURNING d.seq, d.record_id, d.event_seq, d.deliver_count
  )
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at)
  SELECT p_account, c.id, x.seq, x.record_id, x.event_seq, x.deliver_count, statement_timestamp()
  FROM dead x;
  UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity'
  WHERE d.ctid = ANY(v_again);
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := true;
    v_any := true;
    RETURN NEXT;
  END LOOP;
  IF v_any THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, '-infinity');
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := v_any;
  RETURN NEXT;
END
$$;
