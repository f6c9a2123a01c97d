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
  c consumers;
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
  FOR o_seq, o_lease_id, o_wakes IN
    WITH locked AS MATERIALIZED (
      SELECT d.seq, d.lease_id, d.record_id, d.event_seq, d.deliver_count,
             c.max_deliver > 0 AND d.deliver_count >= c.max_deliver
               AND (d.record_id IS NULL OR coalesce(d.changed_idx <= d.delivered_idx, true)) AS dead
      -- By primary key, matching seqs and lease ids each against its list (as the ack does).
      FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.seq = ANY(p_seqs)
        AND d.lease_id = ANY(p_leases)
      ORDER BY d.seq
      FOR UPDATE OF d
    ), dead AS (
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id
        AND d.seq = ANY(ARRAY(SELECT l.seq FROM locked l WHERE l.dead))
      RETURNING d.seq, d.lease_id, d.record_id, d.event_seq, d.deliver_count
    ), dl AS (
      INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at)
      SELECT p_account, c.id, x.seq, x.record_id, x.event_seq, x.deliver_count, statement_timestamp()
      FROM dead x
    ), again AS (
      UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity'
      FROM locked l
      WHERE d.account_id = p_account AND d.consumer_id = c.id
        AND d.seq = ANY(ARRAY(SELECT l.seq FROM locked l WHERE NOT l.dead)) AND l.seq = d.seq
      RETURNING l.seq, l.lease_id
    )
    SELECT x.seq, x.lease_id, true FROM dead x UNION ALL SELECT a.seq, a.lease_id, true FROM again a
  LOOP
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
