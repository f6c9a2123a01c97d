-- The token and consumer lookups that every lease, ack, nack, extend and term starts with
-- (migration 0007) in PL/pgSQL, not SQL: a SQL function that is not inlined plans its body on
-- every call, and these are called from PL/pgSQL, where they are never inlined (bench/LOG.md,
-- 2026-12-03: the settle start spent about 0.2 ms per call, most of it planning these two).
-- Same names, arguments and answers: only how they run changes.
CREATE OR REPLACE FUNCTION sequin_token_live_v1(p_account uuid, p_token bytea)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN p_token IS NULL OR EXISTS (
    SELECT 1 FROM api_tokens WHERE token_hash = p_token AND account_id = p_account AND revoked_at IS NULL);
END
$$;

CREATE OR REPLACE FUNCTION sequin_consumer_v1(p_account uuid, p_id uuid, p_name text)
RETURNS SETOF consumers LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT * FROM consumers
  WHERE account_id = p_account AND (id = p_id OR name = p_name)
  ORDER BY (id = p_id) DESC NULLS LAST LIMIT 1;
END
$$;
