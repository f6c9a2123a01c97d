-- New consumers are window consumers (migration 0007, ADR 0008).
--
-- This migration first also moved every consumer then on the fan-out core to the window core. It
-- was edited before its release: that move is now in migration 0017, which runs it for every
-- database, so that one migrated by the first version of this file, where consumers may have been
-- made on the fan-out core since (SEQUIN_CONSUME_CORE=fanout), moves them too.
ALTER TABLE consumers ALTER COLUMN core SET DEFAULT 'window';
