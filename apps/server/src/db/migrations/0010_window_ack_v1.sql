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
  c consumers;
  v_wakes boolean := false;
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
      -- In seq order, as every writer of deliveries locks them: writers wait, never deadlock.
      -- Lease ids are unique, so matching seq and lease id each against its list matches the
      -- pairs; and every statement here reaches its rows by primary key (= ANY of the seqs),
      -- whatever the statistics of this young, churning table say.
      SELECT d.seq, d.lease_id, d.order_key IS NOT NULL AS keyed,
             coalesce(d.changed_idx > d.delivered_idx, false) AS changed
      FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.seq = ANY(p_seqs)
        AND d.lease_id = ANY(p_leases)
      ORDER BY d.seq
      FOR UPDATE OF d
    ), del AS (
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id
        AND d.seq = ANY(ARRAY(SELECT l.seq FROM locked l WHERE NOT l.changed))
      RETURNING d.seq, d.lease_id, d.order_key IS NOT NULL AS wakes
    ), again AS (
      UPDATE deliveries d SET seq = nextval('delivery_seq'), lease_id = NULL, leased_until = '-infinity',
        acked_idx = d.delivered_idx
      FROM locked l
      WHERE d.account_id = p_account AND d.consumer_id = c.id
        AND d.seq = ANY(ARRAY(SELECT l.seq FROM locked l WHERE l.changed)) AND l.seq = d.seq
      RETURNING l.seq, l.lease_id, true AS wakes
    )
    SELECT * FROM del UNION ALL SELECT * FROM again
  LOOP
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
