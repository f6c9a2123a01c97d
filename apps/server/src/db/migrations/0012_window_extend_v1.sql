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
  c consumers;
  v_until timestamptz;
  v_any boolean := false;
BEGIN
  o_authorized := sequin_token_live_v1(p_account, p_token);
  IF o_authorized THEN
    SELECT * INTO c FROM sequin_consumer_v1(p_account, p_consumer_id, p_consumer_name);
  END IF;
  o_consumer_id := c.id;
  o_other_core := c.core IS DISTINCT FROM 'window';
  IF c.id IS NULL OR o_other_core THEN
    RETURN NEXT;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  v_until := statement_timestamp() + coalesce(p_ms, c.ack_wait_ms) * interval '1 millisecond';
  FOR o_seq, o_lease_id, o_wakes IN
    WITH locked AS MATERIALIZED (
      -- By primary key, matching seqs and lease ids each against its list (as the ack does).
      SELECT d.seq, d.lease_id
      FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.seq = ANY(p_seqs)
        AND d.lease_id = ANY(p_leases) AND d.leased_until > statement_timestamp()
      ORDER BY d.seq
      FOR UPDATE OF d
    )
    UPDATE deliveries d SET leased_until = v_until
    WHERE d.account_id = p_account AND d.consumer_id = c.id
      AND d.seq = ANY(ARRAY(SELECT l.seq FROM locked l))
    RETURNING d.seq, d.lease_id, false
  LOOP
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
