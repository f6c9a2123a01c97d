import { randomUUID } from "node:crypto";
import type { Upstream, UpstreamMutation, UpstreamRecord } from "./upstream.js";

/**
 * The default upstream: the stream itself is the system of record, so the reference server
 * works alone. Creates get a new upstream id; updates and deletes are merged onto the stored
 * record under its row lock (so two concurrent partial updates both land).
 */
export const streamUpstream: Upstream = {
  async apply(m: UpstreamMutation): Promise<UpstreamRecord[]> {
    const now = new Date().toISOString();
    switch (m.kind) {
      case "create":
        return m.creates.map((data) => ({
          upstream_id: randomUUID(),
          data,
          upstream_created_at: now,
          upstream_updated_at: now,
        }));
      case "update":
        return m.updates.map((u) => ({ upstream_id: u.upstreamId, data: u.data, merge: true }));
      case "delete":
        return m.deletes.map((id) => ({ upstream_id: id, data: {}, merge: true, deleted: true }));
    }
  },
};
