import { tombstoneTableSql } from "../../src/upsert/pg.js";

/** Tables shared by the driver tests. `contacts` has the default columns of the helpers. */
export const schemaSql = `
CREATE TABLE contacts (
  id text PRIMARY KEY,
  upstream_id text NOT NULL,
  deleted boolean NOT NULL,
  updated_idx bigint NOT NULL,
  sync_id text,
  sync_external_id text,
  sync_metadata jsonb,
  data jsonb NOT NULL
);
${tombstoneTableSql("public.contacts")};

-- Every row version actually written, in lock order: the race tests compare it with what the
-- helpers report.
CREATE TABLE contacts_audit (seq bigserial PRIMARY KEY, id text NOT NULL, updated_idx bigint NOT NULL);
CREATE FUNCTION contacts_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contacts_audit (id, updated_idx) VALUES (NEW.id, NEW.updated_idx);
  RETURN NEW;
END $$;
CREATE TRIGGER contacts_audit AFTER INSERT OR UPDATE ON contacts
  FOR EACH ROW EXECUTE FUNCTION contacts_audit();

-- Custom names everywhere: a schema, id/version columns of other names, a uuid id, a quote in a
-- column name, columns fed from record.data.
CREATE SCHEMA "crm ""eu""";
CREATE TABLE "crm ""eu""".people (
  sequin_id uuid PRIMARY KEY,
  version bigint NOT NULL,
  email text,
  "city ""name""" text,
  tags text[],
  synced_for text
);
`;
