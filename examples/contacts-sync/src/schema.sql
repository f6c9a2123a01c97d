-- The service's own tables. Idempotent: applied at every start (see src/database.ts).

-- One row per Salesforce contact, at the newest version the service has seen.
-- The first eight columns are the ones Sequin recommends storing; the helper in
-- @sequin/client/pg writes them by default. email, first_name and last_name are copied out of
-- `data` so the app can index and query them.
CREATE TABLE IF NOT EXISTS contacts (
  id               text PRIMARY KEY,   -- record.id (unique across streams)
  upstream_id      text NOT NULL,      -- the Salesforce Id
  deleted          boolean NOT NULL,   -- soft delete: the row stays, flagged
  updated_idx      bigint NOT NULL,    -- the version; only a higher one overwrites the row
  sync_id          text,
  sync_external_id text,
  sync_metadata    jsonb,
  data             jsonb NOT NULL,     -- the whole Salesforce object
  email            text,
  first_name       text,
  last_name        text
);
CREATE INDEX IF NOT EXISTS contacts_upstream_id_idx ON contacts (upstream_id);
CREATE INDEX IF NOT EXISTS contacts_email_idx ON contacts (lower(email)) WHERE NOT deleted;

-- One row per welcome email sent. The primary key is the id of the `created` event: delivery is
-- at least once, so the same event can arrive twice, and this key is what stops a second send.
CREATE TABLE IF NOT EXISTS welcome_emails (
  event_id    text PRIMARY KEY,
  record_id   text,                    -- contacts.id of the new contact
  upstream_id text,
  email       text NOT NULL,
  sent_at     timestamptz NOT NULL DEFAULT now()
);
