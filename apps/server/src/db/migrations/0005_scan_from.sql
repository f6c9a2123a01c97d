-- Where a lease starts reading a consumer's rows in seq order: at or below the seq of every live
-- row of the consumer. The rows below it are gone (acked or dead-lettered), but their index
-- entries stay until vacuum removes them, and a transaction held open holds vacuum off; without
-- this bound every lease would walk all of them. See ADR 0006.
ALTER TABLE consumers ADD COLUMN scan_from_seq bigint NOT NULL DEFAULT 0;

-- Any insert below the bound (a redrive puts rows back in their old place; so might code of
-- other versions sharing the database) lowers it in the inserting transaction. The background
-- task that raises the bound only moves it from the value it read, so it cannot undo this.
CREATE FUNCTION sequin_lower_scan_from() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE consumers c SET scan_from_seq = n.seq
  FROM (SELECT account_id, consumer_id, min(seq) AS seq FROM inserted GROUP BY account_id, consumer_id) n
  WHERE c.account_id = n.account_id AND c.id = n.consumer_id AND n.seq < c.scan_from_seq;
  RETURN NULL;
END
$$;
CREATE TRIGGER consumer_messages_lower_scan_from
  AFTER INSERT ON consumer_messages REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION sequin_lower_scan_from();
