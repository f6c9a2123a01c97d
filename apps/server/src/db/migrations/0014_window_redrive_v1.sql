-- Redrive for a 'window' consumer (migration 0007): dead letters (all, or those of the given
-- seqs) go back into the window, deliverable at once with a fresh delivery count, at its head. A
-- record the window has already (it changed and was pulled again) keeps that delivery. A per_key
-- event joins the back of its key's line: in its old place it would be the head of its key while
-- a later message of the key may be leased. Returns how many dead letters were redriven.
CREATE FUNCTION sequin_window_redrive_v1(p_account uuid, p_consumer uuid, p_seqs bigint[])
RETURNS int LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  c consumers;
  v_n int;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  WITH d AS (
    DELETE FROM dead_letters
    WHERE account_id = p_account AND consumer_id = c.id AND (p_seqs IS NULL OR seq = ANY(p_seqs))
    RETURNING seq, record_id, event_seq
  ), back AS (
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id, event_seq, order_key, key_seq)
    SELECT p_account, c.id, nextval('delivery_seq'), d.record_id, d.event_seq, sequin_order_key_v1(c, e),
           CASE WHEN sequin_order_key_v1(c, e) IS NOT NULL THEN nextval('event_seq') END
    FROM d
    LEFT JOIN records r ON r.account_id = p_account AND r.id = d.record_id
    LEFT JOIN events e ON e.account_id = p_account AND e.seq = d.event_seq
    WHERE r.id IS NOT NULL OR e.seq IS NOT NULL
    ORDER BY d.seq
    ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL DO NOTHING
  )
  SELECT count(*) INTO v_n FROM d;
  IF v_n > 0 THEN
    INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
    VALUES (p_account, c.id, NULL, '-infinity');
  END IF;
  RETURN v_n;
END
$$;
