-- Nack for a 'window' consumer, as sequin_window_nack_v1 (migration 0011) with a delay and a
-- reason (migration 0018): the deliveries whose seq and lease id match go back to the head of the
-- window, deliverable again after p_delay_ms (null: the consumer's backoff for the delivery count
-- they reached); p_reason (null: keep the last one) is kept as their last error. One that reached
-- max_deliver (and whose record did not change since) becomes a dead letter instead. Rows as
-- sequin_window_ack_v2's.
CREATE FUNCTION sequin_window_nack_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                      p_token bytea, p_seqs bigint[], p_leases uuid[],
                                      p_delay_ms float8, p_reason text)
RETURNS TABLE (o_authorized boolean, o_consumer_id uuid, o_seq bigint, o_lease_id uuid,
               o_wakes boolean)
LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  v_start record;
  c consumers;
  v_now timestamptz := statement_timestamp();
  v_dead tid[];
  v_again tid[];
  v_seqs bigint[];
  v_leases uuid[];
  v_first timestamptz;
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
    RETURNING d.seq, d.record_id, d.event_seq, d.deliver_count, d.last_error
  )
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at,
                            cause, last_error)
  SELECT p_account, c.id, x.seq, x.record_id, x.event_seq, x.deliver_count, v_now, 'max_deliver',
         coalesce(p_reason, x.last_error)
  FROM dead x;
  WITH again AS (
    UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity',
      retry_at = v_now + coalesce(p_delay_ms * interval '1 millisecond', sequin_backoff_v1(c, d.deliver_count)),
      last_error = coalesce(p_reason, d.last_error)
    WHERE d.ctid = ANY(v_again)
    RETURNING d.retry_at
  )
  SELECT min(retry_at) INTO v_first FROM again;
  FOR i IN 1..coalesce(array_length(v_seqs, 1), 0) LOOP
    o_seq := v_seqs[i];
    o_lease_id := v_leases[i];
    o_wakes := true;
    RETURN NEXT;
  END LOOP;
  -- A dead letter frees its key at once; a nacked delivery is due at its retry_at.
  IF cardinality(v_dead) > 0 OR v_first IS NOT NULL THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, CASE WHEN cardinality(v_dead) > 0 THEN '-infinity' ELSE v_first END);
  END IF;
  o_seq := NULL;
  o_lease_id := NULL;
  o_wakes := cardinality(v_seqs) > 0;
  RETURN NEXT;
END
$$;
