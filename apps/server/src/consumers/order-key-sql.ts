/**
 * SQL expression: the ordering key (bigint) of event `ev` in consumer `c` (columns `ordering`,
 * `key_path`), or NULL when the consumer has no per-key rule or the event no key.
 *
 * The key is the value at `c.key_path` in the event when that finds a non-null value, otherwise
 * the record the event belongs to (its id, else collection + upstream id). An event with neither
 * has no key and is not held back by other events. The two kinds of key are tagged, so a custom
 * key never equals a record key by accident. The key is hashed to 64 bits: a collision only makes
 * two keys wait for each other.
 */
export function orderKeySql(c: string, ev: string): string {
  const rest = `${c}.key_path[2:]`;
  const custom = `CASE ${c}.key_path[1]
      WHEN 'data' THEN ${ev}.data #>> ${rest}
      WHEN 'changes' THEN ${ev}.changes #>> ${rest}
      WHEN 'sync' THEN ${ev}.sync #>> ${rest}
      WHEN 'collection_id' THEN ${ev}.collection_id
      WHEN 'resource_id' THEN ${ev}.resource_id
      WHEN 'provider' THEN ${ev}.provider
      WHEN 'upstream_id' THEN ${ev}.upstream_id
      WHEN 'record_id' THEN ${ev}.record_id::text
      WHEN 'action' THEN ${ev}.action
    END`;
  const record = `coalesce(${ev}.record_id::text, ${ev}.collection_id || chr(31) || ${ev}.upstream_id)`;
  return `CASE WHEN ${c}.ordering = 'per_key'
    THEN hashtextextended(coalesce('k:' || (${custom}), 'r:' || ${record}), 0) END`;
}
