-- The rows of given records are looked up by (account, record), then by consumer: with the
-- consumer second, a planner without statistics (a table that grew from empty within the last
-- minute) could prefer the primary key, walk every row of the consumer once per record, and make
-- a 1,000-record upsert take seconds (seen in the fault suite at a 60k backlog). The lookups
-- compare consumer_id in a form no index uses, so this index is the only one that fits them.
-- Same columns, so ON CONFLICT (account_id, consumer_id, record_id) still infers it.
DROP INDEX consumer_messages_by_record;
CREATE UNIQUE INDEX consumer_messages_by_record ON consumer_messages (account_id, record_id, consumer_id)
  WHERE record_id IS NOT NULL;
