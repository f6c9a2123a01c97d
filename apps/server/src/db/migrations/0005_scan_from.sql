-- Where a lease starts reading a consumer's rows in seq order: at or below the seq of every live
-- row of the consumer. The rows below it are gone (acked or dead-lettered), but their index
-- entries stay until vacuum removes them, and a transaction held open holds vacuum off; without
-- this bound every lease would walk all of them. Raised by a background task under the stream's
-- write lock, lowered by a redrive (which puts rows back in their old place). See ADR 0006.
ALTER TABLE consumers ADD COLUMN scan_from_seq bigint NOT NULL DEFAULT 0;
