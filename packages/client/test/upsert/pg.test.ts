import pg from "pg";
import type { SequinRecord } from "../../src/types.js";
import { type PgQueryable, upsertRecord, upsertRecords } from "../../src/upsert/pg.js";
import type { UpsertOptions } from "../../src/upsert/types.js";
import { describeUpsertDriver } from "./suite.js";

const people: UpsertOptions = {
  idColumn: "sequin_id",
  versionColumn: "version",
  columns: {
    email: "data.Email",
    'city "name"': (record) => (record.data.Address as { City?: string } | undefined)?.City,
    tags: "data.Tags",
    synced_for: "sync.external_id",
  },
};
const peopleTable = { schema: 'crm "eu"', name: "people" };

describeUpsertDriver("pg", async (url) => {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const clients: pg.Client[] = [];
  const contacts =
    (db: PgQueryable) =>
    (records: SequinRecord[], mode: "soft" | "hard" = "soft") =>
      upsertRecords(db, "public.contacts", records, { deleteMode: mode });
  return {
    contacts: contacts(pool),
    one: (record, mode = "soft") => upsertRecord(pool, "contacts", record, { deleteMode: mode }),
    people: (records) => upsertRecords(pool, peopleTable, records, people),
    transaction: async (body) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await body(contacts(client));
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
    writers: async (count, mode) => {
      // Half the writers share the pool, half hold their own Client: both shapes race.
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          if (i % 2 === 0) return (records: SequinRecord[]) => contacts(pool)(records, mode);
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          clients.push(client);
          return (records: SequinRecord[]) => contacts(client)(records, mode);
        }),
      );
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.end()));
      await pool.end();
    },
  };
});
