-- Per-key ordered delivery (consumers.ordering = 'per_key'); see docs/decisions/0004-per-key-ordering.md.

-- Record consumers hold one row per record: they are per-key by construction. Event consumers
-- that existed before this migration keep the behaviour they had ('none'); new ones default to
-- 'per_key' (the API fills it in).
ALTER TABLE consumers
  ADD COLUMN ordering text NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'per_key')),
  -- Dot-separated path of the key inside each event, split into names; NULL = the record.
  ADD COLUMN key_path text[];
UPDATE consumers SET ordering = 'per_key' WHERE kind = 'record';

-- The ordering key of an event message in a per_key consumer: a 64-bit hash of the key (a
-- collision only serialises two keys together, it never lets a key run out of order). NULL for
-- record rows, for 'none' consumers, and for events that have no key.
ALTER TABLE consumer_messages ADD COLUMN order_key bigint;

-- The lease asks "is there an older live row of this key?": one probe of this index per candidate.
CREATE INDEX consumer_messages_by_key ON consumer_messages (account_id, consumer_id, order_key, seq)
  WHERE order_key IS NOT NULL;
