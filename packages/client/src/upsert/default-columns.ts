/**
 * The columns Sequin's docs recommend (besides `id` and `updated_idx`), each with its record path.
 * Spread it to add your own: `{ ...defaultColumns, email: "data.Email" }`.
 */
export const defaultColumns = {
  upstream_id: "upstream_id",
  deleted: "deleted",
  sync_id: "sync.id",
  sync_external_id: "sync.external_id",
  sync_metadata: "sync.metadata",
  data: "data",
} as const satisfies Record<string, string>;
