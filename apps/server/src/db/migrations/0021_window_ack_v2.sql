-- The start of an ack, nack, extend or term (migrations 0021-0024), as
-- sequin_window_settle_start_v1 (migration 0007) now that every consumer is a window consumer:
-- whether the token is live, and the consumer it names (none: not found, or the token is not
-- live), with the consumer's window lock taken shared, as every writer of deliveries takes it.
CREATE FUNCTION sequin_window_settle_start_v2(p_account uuid, p_consumer_id uuid,
                                              p_consumer_name text, p_token bytea,
                                              OUT authorized boolean, OUT consumer consumers)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  authorized := sequin_token_live_v1(p_account, p_token);
  IF authorized THEN
    SELECT * INTO consumer FROM sequin_consumer_v1(p_account, p_consumer_id, p_consumer_name);
  END IF;
  IF consumer.id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock_shared(737604, hashtext(consumer.id::text));
  END IF;
END
$$;

-- Ack, as sequin_window_ack_v1 (migration 0010, which explains it), on settle_start_v2, and
-- with a record offered again deliverable at once (retry_at, migration 0018). Rows as v1's,
-- without o_other_core.
CREATE FUNCTION sequin_window_ack_v2(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                     p_token bytea, p_seqs bigint[], p_leases uuid[])
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
    retry_at = '-infinity', acked_idx = d.delivered_idx
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
