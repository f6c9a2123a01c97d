-- Every consumer is a window consumer (migration 0017): the column that said which core served a
-- consumer goes, with the routines that migrations 0019-0025 replaced.
DROP FUNCTION sequin_window_lease_v1(uuid, uuid, text, bytea, int, int, boolean);
DROP FUNCTION sequin_window_ack_v1(uuid, uuid, text, bytea, bigint[], uuid[]);
DROP FUNCTION sequin_window_nack_v1(uuid, uuid, text, bytea, bigint[], uuid[]);
DROP FUNCTION sequin_window_extend_v1(uuid, uuid, text, bytea, bigint[], uuid[], float8);
DROP FUNCTION sequin_window_settle_start_v1(uuid, uuid, text, bytea);
DROP FUNCTION sequin_window_catch_up_v1(uuid, uuid);
DROP FUNCTION sequin_window_state_v1(uuid, uuid, int);
DROP FUNCTION sequin_window_counts_v1(uuid, uuid, bigint);
DROP FUNCTION sequin_window_move_floor_v1(uuid, uuid);
ALTER TABLE consumers DROP COLUMN core;
