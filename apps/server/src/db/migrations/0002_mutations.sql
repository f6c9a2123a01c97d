-- Mutations (POST /v1/mutations/run).

-- The record version a consumer last acked while a newer one was already waiting (the row then
-- stays, pending again). An awaited mutation is done for a consumer once its version is acked.
ALTER TABLE consumer_messages ADD COLUMN acked_idx bigint;

-- The events of one record version: how an awaited mutation finds its events.
CREATE INDEX events_by_record ON events (account_id, record_id, updated_idx) WHERE record_id IS NOT NULL;

-- Idempotent mutations go through stages, so a retry resumes where the first attempt stopped:
-- 'claimed' -> 'upstream_done' (the upstream's answer kept in upstream_result) -> 'completed'.
-- locked_until: while an attempt runs, a retry with the same key waits its turn (409).
ALTER TABLE idempotency_keys
  ADD COLUMN stage text CHECK (stage IN ('claimed', 'upstream_done', 'completed')),
  ADD COLUMN upstream_result jsonb,
  ADD COLUMN locked_until timestamptz;
