-- Schema of the reference server. Why it looks like this: docs/decisions/0002-consumer-state-schema.md.
-- Every account-scoped table leads its keys with account_id (Citus-ready).

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Looked up by hash before the account is known: a reference table under Citus.
CREATE TABLE api_tokens (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  token_hash bytea NOT NULL,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX api_tokens_by_hash ON api_tokens (token_hash);

CREATE TABLE streams (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  ord bigint GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  event_retention_ms bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id),
  CONSTRAINT streams_name_key UNIQUE (account_id, name)
);
CREATE INDEX streams_by_ord ON streams (account_id, ord);

-- Record versions (updated_idx) and event positions (seq) are global and only grow.
CREATE SEQUENCE record_version_seq;
CREATE SEQUENCE event_seq;

CREATE TABLE records (
  account_id uuid NOT NULL,
  id uuid NOT NULL,
  stream_id uuid NOT NULL,
  collection_id text NOT NULL,
  upstream_id text NOT NULL,
  resource_id text,
  provider text,
  upstream_created_at timestamptz,
  upstream_updated_at timestamptz,
  updated_idx bigint NOT NULL,
  deleted boolean NOT NULL,
  data jsonb NOT NULL,
  sync jsonb,
  sync_id text GENERATED ALWAYS AS (sync ->> 'id') STORED,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id),
  -- stream_id last: a lookup by identity must not look like a prefix of records_by_version, or a
  -- planner without statistics may walk a whole stream through that index.
  CONSTRAINT records_identity_key UNIQUE (account_id, collection_id, upstream_id, stream_id),
  FOREIGN KEY (account_id, stream_id) REFERENCES streams (account_id, id) ON DELETE CASCADE
);
CREATE INDEX records_by_version ON records (account_id, stream_id, updated_idx);

CREATE TABLE events (
  account_id uuid NOT NULL,
  stream_id uuid NOT NULL,
  seq bigint NOT NULL,
  record_id uuid,
  collection_id text NOT NULL,
  resource_id text,
  provider text,
  upstream_id text,
  action text NOT NULL,
  changes jsonb,
  data jsonb NOT NULL,
  updated_idx bigint,
  upstream_updated_at timestamptz,
  sync jsonb,
  sync_id text GENERATED ALWAYS AS (sync ->> 'id') STORED,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, seq),
  FOREIGN KEY (account_id, stream_id) REFERENCES streams (account_id, id) ON DELETE CASCADE
);
CREATE INDEX events_by_stream ON events (account_id, stream_id, seq);
-- The retention sweep finds expired events without walking the live ones.
CREATE INDEX events_by_age ON events (account_id, stream_id, inserted_at);

CREATE TABLE consumers (
  account_id uuid NOT NULL,
  id uuid NOT NULL,
  ord bigint GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  stream_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('record', 'event')),
  filter_collection_id text NOT NULL DEFAULT '*',
  filter_resource_id text NOT NULL DEFAULT '*',
  filter_provider text NOT NULL DEFAULT '*',
  filter_sync_id text NOT NULL DEFAULT '*',
  deliver_policy text NOT NULL CHECK (deliver_policy IN ('all', 'new')),
  ack_wait_ms integer NOT NULL,
  max_deliver integer NOT NULL,
  max_ack_pending integer NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- Live rows in consumer_messages, minus the deltas not folded in yet (see consumer_counter_deltas).
  message_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id),
  CONSTRAINT consumers_name_key UNIQUE (account_id, name),
  -- No cascade: a stream with consumers cannot be deleted.
  FOREIGN KEY (account_id, stream_id) REFERENCES streams (account_id, id)
);
CREATE INDEX consumers_by_stream ON consumers (account_id, stream_id);
CREATE INDEX consumers_by_ord ON consumers (account_id, ord);

-- One row per pending or leased message of a consumer. An ack deletes the row, so the primary
-- key, which is also the delivery order, holds live rows only. fillfactor leaves room for lease
-- updates.
CREATE TABLE consumer_messages (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  -- Delivery order and the row's id in its consumer: the event's seq, or the record's version
  -- when the row was created. Both come from global sequences, so they are unique per consumer.
  seq bigint NOT NULL,
  record_id uuid,
  -- The newest version of the record written since this row exists (kept by writers).
  record_idx bigint,
  event_seq bigint,
  leased_until timestamptz,
  lease_id uuid,
  -- Deliveries of the current version (records) or of the event.
  deliver_count integer NOT NULL DEFAULT 0,
  -- The record version the current or last delivery carried.
  delivered_idx bigint,
  PRIMARY KEY (account_id, consumer_id, seq),
  FOREIGN KEY (account_id, consumer_id) REFERENCES consumers (account_id, id) ON DELETE CASCADE
) WITH (
  fillfactor = 70,
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.02
);
CREATE UNIQUE INDEX consumer_messages_by_record ON consumer_messages (account_id, consumer_id, record_id)
  WHERE record_id IS NOT NULL;
-- Leased rows only: bounded by max_ack_pending, so counting them is cheap.
CREATE INDEX consumer_messages_leased ON consumer_messages (account_id, consumer_id, leased_until)
  WHERE leased_until IS NOT NULL;

CREATE TABLE dead_letters (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  seq bigint NOT NULL,
  record_id uuid,
  event_seq bigint,
  deliver_count integer NOT NULL,
  dead_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, consumer_id, seq),
  FOREIGN KEY (account_id, consumer_id) REFERENCES consumers (account_id, id) ON DELETE CASCADE
);

-- Append-only changes of each consumer's live-row count: no hot counter row, no lock.
-- A background task folds them into consumers.message_count.
CREATE TABLE consumer_counter_deltas (
  account_id uuid NOT NULL,
  consumer_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  delta bigint NOT NULL,
  PRIMARY KEY (account_id, consumer_id, id)
) WITH (autovacuum_vacuum_scale_factor = 0.02);

CREATE FUNCTION consumer_messages_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consumer_counter_deltas (account_id, consumer_id, delta)
  SELECT account_id, consumer_id, count(*) FROM inserted_rows GROUP BY account_id, consumer_id;
  RETURN NULL;
END
$$;

CREATE FUNCTION consumer_messages_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consumer_counter_deltas (account_id, consumer_id, delta)
  SELECT account_id, consumer_id, -count(*) FROM deleted_rows GROUP BY account_id, consumer_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER consumer_messages_count_inserted AFTER INSERT ON consumer_messages
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumer_messages_count_inserted();

CREATE TRIGGER consumer_messages_count_deleted AFTER DELETE ON consumer_messages
  REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION consumer_messages_count_deleted();

CREATE TABLE idempotency_keys (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key text NOT NULL,
  request_hash bytea NOT NULL,
  status integer,
  -- The answer's JSON text, replayed byte for byte.
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
