-- Rewind for a 'window' consumer (openapi.yaml, rewindConsumer): what its filters take from a
-- point of its stream on is delivered again, in order, with a fresh delivery count.
--
-- * Events from seq p_from (null: from the oldest retained): the cursor goes back to just below
--   it (never forward: what it has not pulled yet it still will), and the window's deliveries of
--   those events, leased ones included, are dropped, so each is pulled once more, not twice.
-- * Records at or after updated_idx p_from (null: every record): the same, by updated_idx.
-- * Records whose upstream_updated_at is at or after p_since (or null): not a range of the log,
--   so each goes into the window as a pending delivery (dropping the one it had), in log order;
--   those above the cursor are left to the pull. Like a filter change's catch-up, the window then
--   holds them all until they are delivered.
--
-- Dead letters stay. Runs under the consumer's pull lock (no pull in between) and its window lock
-- held shared, as every writer of deliveries holds it; then asks the next lease to look at once.
CREATE FUNCTION sequin_window_rewind_v1(p_account uuid, p_consumer uuid, p_from bigint,
                                        p_since timestamptz)
RETURNS void LANGUAGE plpgsql VOLATILE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
DECLARE
  c consumers;
  v_cursor bigint;
  v_to bigint;
BEGIN
  SELECT * INTO c FROM consumers WHERE account_id = p_account AND id = p_consumer;
  IF c.id IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(737604, hashtext(c.id::text));
  PERFORM pg_advisory_xact_lock(737605, hashtext(c.id::text));
  v_cursor := sequin_window_cursor_v1(p_account, c.id);
  IF c.kind = 'record' AND p_since IS NOT NULL THEN
    WITH wanted AS MATERIALIZED (
      SELECT r.id, r.updated_idx FROM records r
      WHERE r.account_id = p_account AND r.stream_id = c.stream_id AND r.updated_idx <= v_cursor
        AND (r.upstream_updated_at >= p_since OR r.upstream_updated_at IS NULL)
        AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
    )
    INSERT INTO deliveries (account_id, consumer_id, seq, record_id)
    SELECT p_account, c.id, nextval('delivery_seq'), w.id FROM wanted w ORDER BY w.updated_idx
    -- A delivery the record has already is replaced by the new one.
    ON CONFLICT (account_id, consumer_id, record_id) WHERE record_id IS NOT NULL
    DO UPDATE SET seq = EXCLUDED.seq, lease_id = NULL, leased_until = '-infinity', retry_at = '-infinity',
      deliver_count = 0, delivered_idx = NULL, changed_idx = NULL, acked_idx = NULL, last_error = NULL;
  ELSE
    v_to := least(v_cursor, greatest(coalesce(p_from, 0) - 1, 0));
    IF c.kind = 'record' THEN
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.record_id IS NOT NULL
        AND (SELECT r.updated_idx FROM records r WHERE r.account_id = p_account AND r.id = d.record_id) > v_to;
    ELSE
      DELETE FROM deliveries d
      WHERE d.account_id = p_account AND d.consumer_id = c.id AND d.event_seq > v_to;
    END IF;
    IF v_to < v_cursor THEN
      DELETE FROM consumer_cursors WHERE account_id = p_account AND consumer_id = c.id AND pos > v_to;
      INSERT INTO consumer_cursors (account_id, consumer_id, pos) VALUES (p_account, c.id, v_to)
      ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
  VALUES (p_account, c.id, NULL, '-infinity');
END
$$;
