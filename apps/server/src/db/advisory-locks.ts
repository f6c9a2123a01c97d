// Namespaces of the advisory locks (the first key of the two-int4 form), one per purpose.
// The second key is hashtext() of the object's id; a collision only serialises a little more.

/** Writes to one stream: held from the first sequence value to commit, so seq order is commit order. */
export const STREAM_WRITE_LOCK = 737_601;
// 737_602 was the lease lock of the fan-out core (removed by migration 0017): not to be reused.
/**
 * The window of one consumer (migration 0007): every writer of its deliveries holds it
 * shared; the floor moves only under it held exclusively, so no delivery lands below the floor.
 * The routines of migrations 0007-0027 write the number itself (and STREAM_WRITE_LOCK, 0028).
 */
export const CONSUMER_WINDOW_LOCK = 737_604;
/** The pull of one consumer from its stream's log: one at a time, so the cursor only moves forward. */
export const CONSUMER_PULL_LOCK = 737_605;
/** One background sweep of a kind at a time across all servers. */
export const BACKGROUND_LOCK = 737_603;
/** Migrations (single bigint key, session-free: taken per transaction). */
export const MIGRATION_LOCK = 737_600_001;
