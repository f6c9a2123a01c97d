import type { SequinRecord } from "../../src/types.js";

/** A record with plausible defaults; `updated_idx` and `deleted` are what the tests vary. */
export function makeRecord(
  id: string,
  updatedIdx: number,
  overrides: Partial<SequinRecord> = {},
): SequinRecord {
  return {
    id,
    stream_id: "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f",
    collection_id: "salesforce:contact",
    resource_id: null,
    provider: "salesforce",
    upstream_id: `up-${id}`,
    upstream_created_at: null,
    upstream_updated_at: null,
    updated_idx: updatedIdx,
    deleted: false,
    data: { Email: `${id}@example.com`, version: updatedIdx },
    inserted_at: "2024-03-01T12:00:00Z",
    sync: { id: "sync-1", external_id: "acct-1", metadata: { plan: "pro" } },
    ...overrides,
  };
}
