-- Leases running per consumer, as append-only deltas by expiry time: +n when rows are leased
-- until t, -n when a lease until t ends early (ack, nack, extend, delete). The leases running at
-- time T are the sum of the deltas with leased_until > T; a lease that runs out simply falls out
-- of that range, so expiry needs no write. A lease used to count the rows of the partial index
-- consumer_messages_leased instead: while a transaction is held open, every lease made within
-- the last ack_wait_ms leaves a dead entry in that range, and the count read them all (228k heap
-- fetches for 100 running leases, 25-33 ms of each lease, in the bench's soak). Here a range
-- holds a row or two per lease statement and per settle statement. See ADR 0006.
CREATE TABLE consumer_lease_deltas (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  leased_until timestamptz NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  delta integer NOT NULL,
  -- No foreign key: a consumer's deletion deletes its rows, and those triggers write deltas for
  -- it. Deltas of a deleted consumer are never read and are swept with the others once past.
  PRIMARY KEY (account_id, consumer_id, leased_until, id)
);

-- Only leases still running when the statement starts are recorded: a delta for a time already
-- past is outside every later range. Rows whose lease is unchanged by an update cancel out. Rows
-- are inserted without a lease (fan-out, backfill, redrive), so inserts need no trigger.
CREATE FUNCTION sequin_lease_deltas_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
  SELECT account_id, consumer_id, leased_until, sum(d)::int FROM (
    SELECT account_id, consumer_id, leased_until, -1 AS d FROM old_rows
    WHERE leased_until > statement_timestamp()
    UNION ALL
    SELECT account_id, consumer_id, leased_until, 1 FROM new_rows
    WHERE leased_until > statement_timestamp()
  ) x
  GROUP BY account_id, consumer_id, leased_until
  HAVING sum(d) <> 0;
  RETURN NULL;
END
$$;

CREATE FUNCTION sequin_lease_deltas_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
  SELECT account_id, consumer_id, leased_until, -count(*)::int FROM old_rows
  WHERE leased_until > statement_timestamp()
  GROUP BY account_id, consumer_id, leased_until;
  RETURN NULL;
END
$$;

-- The triggers first: they lock consumer_messages against writes until this migration commits,
-- so the deltas below and those the triggers write afterwards add up to the leases running.
CREATE TRIGGER consumer_messages_lease_deltas_updated AFTER UPDATE ON consumer_messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sequin_lease_deltas_updated();
CREATE TRIGGER consumer_messages_lease_deltas_deleted AFTER DELETE ON consumer_messages
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sequin_lease_deltas_deleted();

INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
SELECT account_id, consumer_id, leased_until, count(*)::int FROM consumer_messages
WHERE leased_until > statement_timestamp()
GROUP BY account_id, consumer_id, leased_until;

-- Running leases are no longer counted on the rows, so nothing reads the partial index of leased
-- rows. Without it no column a lease, ack-again, nack or extend writes is indexed, so those
-- updates can stay on the row's page (HOT): no new entry in every index of the table per lease,
-- which the lease's scan in seq order would otherwise walk while a transaction is held open.
-- Room for that on each page: 20 % (from new pages on).
DROP INDEX consumer_messages_leased;
ALTER TABLE consumer_messages SET (fillfactor = 80);
