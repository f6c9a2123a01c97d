-- The fan-out core (ADR 0002, 0005-0007) is gone: every consumer moves to the log + window core
-- (migration 0007, ADR 0008), then the fan-out core's tables, columns, triggers and functions are
-- dropped. The consumers.core column stays (the window routines of 0007-0015 still read it);
-- only 'window' is allowed in it.

-- Every consumer still on the fan-out core moves to the window core in place: what it had in
-- consumer_messages becomes its window, with the same positions, so that the ack tokens of leases
-- running now still ack; its cursor is the end of its stream's log, since the fan-out wrote
-- everything up to there into consumer_messages. Dead letters stay as they are.

-- No write may fan out (or append to the log) while this runs: the cursor must be exactly the end
-- of what consumer_messages holds.
LOCK TABLE records, events, consumer_messages IN EXCLUSIVE MODE;

-- Window positions are drawn above every position consumer_messages used, so new deliveries land
-- above every floor.
SELECT setval('delivery_seq', greatest(
  (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM delivery_seq),
  (SELECT coalesce(max(seq), 0) FROM consumer_messages),
  (SELECT last_value FROM record_version_seq),
  (SELECT last_value FROM event_seq),
  1));

INSERT INTO deliveries (account_id, consumer_id, seq, record_id, event_seq, order_key, key_seq,
                        lease_id, leased_until, deliver_count, delivered_idx, changed_idx, acked_idx)
SELECT m.account_id, m.consumer_id, m.seq, m.record_id, m.event_seq, m.order_key,
       CASE WHEN m.order_key IS NOT NULL THEN m.seq END,
       m.lease_id, coalesce(m.leased_until, '-infinity'), m.deliver_count, m.delivered_idx,
       -- A record written again since its last delivery: the newer version goes out after the ack.
       CASE WHEN m.record_idx > m.delivered_idx THEN m.record_idx END,
       m.acked_idx
FROM consumer_messages m
JOIN consumers c ON c.account_id = m.account_id AND c.id = m.consumer_id
WHERE c.core = 'fanout';

INSERT INTO consumer_cursors (account_id, consumer_id, pos)
SELECT c.account_id, c.id,
       CASE c.kind
         WHEN 'record' THEN coalesce((SELECT max(r.updated_idx) FROM records r
                                      WHERE r.account_id = c.account_id AND r.stream_id = c.stream_id), 0)
         ELSE coalesce((SELECT max(e.seq) FROM events e
                        WHERE e.account_id = c.account_id AND e.stream_id = c.stream_id), 0)
       END
FROM consumers c WHERE c.core = 'fanout';

-- Floor 0, and "look now": the first lease reads the window, the first floor move sets it right.
INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry)
SELECT c.account_id, c.id, 0, '-infinity' FROM consumers c WHERE c.core = 'fanout';

UPDATE consumers SET core = 'window' WHERE core = 'fanout';
ALTER TABLE consumers DROP CONSTRAINT consumers_core_check,
  ADD CONSTRAINT consumers_core_check CHECK (core = 'window');

-- The fan-out core's state: a row per message and consumer (with its indexes and triggers), the
-- live-row counter and its deltas (0001), the scan bound (0005), the running-lease deltas (0006).
DROP TABLE consumer_messages, consumer_counter_deltas, consumer_lease_deltas;
DROP FUNCTION consumer_messages_count_inserted(), consumer_messages_count_deleted(),
  sequin_lower_scan_from(), sequin_lease_deltas_updated(), sequin_lease_deltas_deleted();
ALTER TABLE consumers DROP COLUMN message_count, DROP COLUMN scan_from_seq;

-- The routines servers install under hashed names (db/routines.ts) that used those tables: every
-- lease routine, and the record writes that fanned out. The current write routine is installed
-- again right after the migrations.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND p.proname ~ '^sequin_(lease|write)_[0-9a-f]{12}$'
      AND p.prosrc LIKE '%consumer_messages%'
  LOOP
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
END
$$;
