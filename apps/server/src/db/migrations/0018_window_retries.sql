-- What failure handling and replay need (openapi.yaml: nack's delay_ms and reason, backoff_ms,
-- term, rewind, paused / paused_until), on the log + window core (migration 0007):
--
-- * deliveries.retry_at: when a delivery can be leased again. A lease sets it to the lease's end
--   plus the consumer's backoff for the delivery count, a nack to now plus its delay (or that
--   backoff); so the lease's test "deliverable now" is `retry_at <= now` alone, and the earliest
--   retry_at is the consumer's next expiry. leased_until stays the lease's end: it says whether a
--   lease runs (counts, extend, peek).
-- * deliveries.last_error and dead_letters.last_error: the reason of the last nack (or of the term).
-- * dead_letters.cause: 'max_deliver' (ran out of deliveries) or 'terminated' (term).
-- * consumers.backoff_ms and consumers.paused_until ('infinity': until resumed).

ALTER TABLE deliveries
  ADD COLUMN retry_at timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN last_error text;
-- Deliveries out now become deliverable when their lease ends, as before.
UPDATE deliveries SET retry_at = leased_until WHERE leased_until > '-infinity';

ALTER TABLE dead_letters
  ADD COLUMN cause text NOT NULL DEFAULT 'max_deliver' CHECK (cause IN ('max_deliver', 'terminated')),
  ADD COLUMN last_error text;

-- Consumers made before keep redelivering at once, as they were made to; new ones back off.
ALTER TABLE consumers
  ADD COLUMN backoff_ms integer[] NOT NULL DEFAULT '{0}'
    CHECK (cardinality(backoff_ms) BETWEEN 1 AND 50 AND 0 <= ALL (backoff_ms)),
  ADD COLUMN paused_until timestamptz;
ALTER TABLE consumers ALTER COLUMN backoff_ms SET DEFAULT '{0,1000,5000,30000}';

-- How long a message of consumer `c` waits before it is delivered again after its n-th delivery
-- failed: the n-th value of backoff_ms, the last one after that. None once it reached
-- max_deliver: it is not delivered again, and becomes a dead letter as soon as its lease ends.
CREATE FUNCTION sequin_backoff_v1(c consumers, n integer)
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN c.max_deliver > 0 AND n >= c.max_deliver THEN interval '0'
              ELSE c.backoff_ms[least(greatest(n, 1), cardinality(c.backoff_ms))] * interval '1 millisecond' END
$$;
