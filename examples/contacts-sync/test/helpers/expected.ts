import type { SequinRecord } from "@sequin/client";
import { CONTACT_COLLECTION, type Config } from "../../src/config.js";
import type { Contact } from "../../src/contact.js";

/** The `contacts` rows the stream's latest versions should produce (see `contactRows`). */
export function expectedRows(records: readonly SequinRecord[]) {
  return records
    .filter((r) => r.collection_id === CONTACT_COLLECTION)
    .map((r) => {
      const data = r.data as Contact;
      return {
        id: r.id,
        upstream_id: r.upstream_id,
        deleted: r.deleted,
        updated_idx: r.updated_idx,
        email: data.Email ?? null,
        first_name: data.FirstName ?? null,
        last_name: data.LastName ?? null,
        data: r.data,
      };
    })
    .sort((a, b) => (a.upstream_id < b.upstream_id ? -1 : 1));
}

/** A config for tests; consumer names are fixed, the rest points at the given places. */
export function testConfig(sequinUrl: string, sequinToken: string, databaseUrl: string): Config {
  return {
    sequinUrl,
    sequinToken,
    databaseUrl,
    streamId: undefined,
    contactsConsumer: "contacts-sync",
    welcomeConsumer: "contacts-welcome",
  };
}

/** A `salesforce:contact` record version to write. */
export function contact(upstreamId: string, data: Contact, deleted = false) {
  return { collection_id: CONTACT_COLLECTION, upstream_id: upstreamId, data, deleted };
}
