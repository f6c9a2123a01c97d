/**
 * SQL condition: consumer `c` wants a message whose attributes are in `w` (collection_id,
 * resource_id, provider, sync_id). Each filter is `*` or an exact value; they AND together.
 */
export function filterMatch(c: string, w: string): string {
  return `(${c}.filter_collection_id = '*' OR ${c}.filter_collection_id = ${w}.collection_id)
    AND (${c}.filter_resource_id = '*' OR ${c}.filter_resource_id = ${w}.resource_id)
    AND (${c}.filter_provider = '*' OR ${c}.filter_provider = ${w}.provider)
    AND (${c}.filter_sync_id = '*' OR ${c}.filter_sync_id = ${w}.sync_id)`;
}
