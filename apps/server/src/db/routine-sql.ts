// Pieces of the server's hash-named PL/pgSQL routines (the record write, db/routines.ts).

/**
 * The planner settings of a routine: a plan for the values of each call, never one cached from
 * whatever the statistics said the first time; and no hash joins, merge joins or sequential
 * scans, so every step reaches its rows through a key even when the statistics are stale
 * (ADR 0005; test/plans-with-stale-statistics.test.ts).
 */
export const KEYED_PLANS = `SET plan_cache_mode = force_custom_plan
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_seqscan = off`;

/**
 * PL/pgSQL that checks the request's bearer token in the routine rather than in a query of its
 * own: when the token is not live, the routine answers `{"unauthorized": true}` and stops. A
 * null token means the caller checked it already. `token` and `account` are PL/pgSQL names.
 */
export const refuseDeadToken = (token: string, account: string) => `
  IF ${token} IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM api_tokens
    WHERE token_hash = ${token} AND account_id = ${account} AND revoked_at IS NULL) THEN
    RETURN NEXT '{"unauthorized": true}'::jsonb;
    RETURN;
  END IF;`;
