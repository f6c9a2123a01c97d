-- What the deliveries a lease of a 'window' consumer (migration 0009) just handed out carry:
-- the record as it is now, or the event. Read in a call of its own, after the lease committed,
-- so that the lease holds its consumer's pull lock for the pull alone. Deliveries are named by
-- seq and lease id; one no longer under that lease is left out. Rows (jsonb): `m_seq` and `record` or `event` (the table row), in seq
-- order.
CREATE FUNCTION sequin_window_messages_v1(p_account uuid, p_consumer uuid, p_seqs bigint[],
                                          p_leases uuid[])
RETURNS SETOF jsonb LANGUAGE sql STABLE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
  -- One primary-key probe per delivery, in a subquery that cannot be flattened into a join a
  -- planner with stale statistics could turn into a walk of the window.
  SELECT jsonb_build_object('m_seq', d.seq,
    'record', (SELECT to_jsonb(r) FROM records r WHERE r.account_id = p_account AND r.id = d.record_id),
    'event', (SELECT to_jsonb(e) FROM events e WHERE e.account_id = p_account AND e.seq = d.event_seq))
  FROM (SELECT * FROM unnest(p_seqs, p_leases) AS u(seq, lease_id) ORDER BY 1) t
  CROSS JOIN LATERAL (
    SELECT x.seq, x.record_id, x.event_seq FROM deliveries x
    WHERE x.account_id = p_account AND x.consumer_id = p_consumer AND x.seq = t.seq
      AND x.lease_id = t.lease_id
    LIMIT 1) d
  ORDER BY d.seq
$$;
