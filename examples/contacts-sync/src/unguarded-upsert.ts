// THE WRONG WAY, kept only to demonstrate what the guard prevents (see README, "See the guard
// matter"). Do not copy this into a service: a slow worker holding an old version overwrites
// the newer row another worker already wrote.
import type { SequinRecord } from "@sequin/client";
import type { PgQueryable } from "@sequin/client/pg";
import type { Contact } from "./contact.js";

/** A plain last-write-wins upsert with no `updated_idx` guard. */
export async function upsertContactsUnguarded(
  db: PgQueryable,
  records: readonly SequinRecord<Contact>[],
): Promise<void> {
  for (const r of records) {
    await db.query(
      `INSERT INTO contacts (id, upstream_id, deleted, updated_idx, sync_id, sync_external_id,
         sync_metadata, data, email, first_name, last_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET upstream_id = EXCLUDED.upstream_id,
         deleted = EXCLUDED.deleted, updated_idx = EXCLUDED.updated_idx,
         sync_id = EXCLUDED.sync_id, sync_external_id = EXCLUDED.sync_external_id,
         sync_metadata = EXCLUDED.sync_metadata, data = EXCLUDED.data, email = EXCLUDED.email,
         first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name`,
      [
        r.id,
        r.upstream_id,
        r.deleted,
        r.updated_idx,
        r.sync?.id ?? null,
        r.sync?.external_id ?? null,
        r.sync?.metadata ?? null,
        r.data,
        r.data.Email ?? null,
        r.data.FirstName ?? null,
        r.data.LastName ?? null,
      ],
    );
  }
}
