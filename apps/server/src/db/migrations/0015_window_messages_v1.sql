-- What the deliveries a lease of a 'window' consumer (migration 0009) just handed out carry:
-- the record as it is now, or the event. Read in a call of its own, after the lease committed,
-- so that the lease holds its consumer's pull lock for the pull alone. Deliveries are named by
-- seq and lease id (matched each against its list: lease ids are unique); one no longer under
-- that lease is left out. Rows (jsonb): `m_seq` and `record` or `event` (the table row), in seq
-- order.
CREATE FUNCTION sequin_window_messages_v1(p_account uuid, p_consumer uuid, p_seqs bigint[],
                                          p_leases uuid[])
RETURNS SETOF jsonb LANGUAGE sql STABLE
SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off
AS $$
  SELECT jsonb_build_object('m_seq', d.seq, 'record', to_jsonb(r), 'event', to_jsonb(e))
  FROM deliveries d
  LEFT JOIN records r ON r.account_id = p_account AND r.id = d.record_id
  LEFT JOIN events e ON e.account_id = p_account AND e.seq = d.event_seq
  WHERE d.account_id = p_account AND d.consumer_id = p_consumer AND d.seq = ANY(p_seqs)
    AND d.lease_id = ANY(p_leases)
  ORDER BY d.seq
$$;
