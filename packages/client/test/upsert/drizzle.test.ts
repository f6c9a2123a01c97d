import { drizzle } from "drizzle-orm/node-postgres";
import { bigint, boolean, jsonb, pgSchema, pgTable, text, uuid } from "drizzle-orm/pg-core";
import pg from "pg";
import type { SequinRecord } from "../../src/types.js";
import {
  type DrizzlePgDatabase,
  type DrizzleUpsertOptions,
  upsertRecord,
  upsertRecords,
} from "../../src/upsert/drizzle.js";
import { describeUpsertDriver } from "./suite.js";

// Keys differ from SQL names on purpose: the default mapping matches columns by SQL name.
const contacts = pgTable("contacts", {
  id: text().primaryKey(),
  upstreamId: text("upstream_id").notNull(),
  deleted: boolean().notNull(),
  updatedIdx: bigint("updated_idx", { mode: "number" }).notNull(),
  syncId: text("sync_id"),
  syncExternalId: text("sync_external_id"),
  syncMetadata: jsonb("sync_metadata"),
  data: jsonb().notNull(),
});

const people = pgSchema('crm "eu"').table("people", {
  sequinId: uuid("sequin_id").primaryKey(),
  version: bigint({ mode: "number" }).notNull(),
  email: text(),
  cityName: text('city "name"'),
  tags: text().array(),
  syncedFor: text("synced_for"),
});

const peopleOptions: DrizzleUpsertOptions<typeof people> = {
  idColumn: "sequinId",
  versionColumn: "version",
  columns: {
    email: "data.Email",
    cityName: (record) => (record.data.Address as { City?: string } | undefined)?.City,
    tags: "data.Tags",
    syncedFor: "sync.external_id",
  },
};

describeUpsertDriver("drizzle", async (url) => {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const clients: pg.Client[] = [];
  const db = drizzle(pool);
  const into =
    (database: DrizzlePgDatabase) =>
    (records: SequinRecord[], mode: "soft" | "hard" = "soft") =>
      upsertRecords(database, contacts, records, { deleteMode: mode });
  return {
    contacts: into(db),
    one: (record, mode = "soft") => upsertRecord(db, contacts, record, { deleteMode: mode }),
    people: (records) => upsertRecords(db, people, records, peopleOptions),
    transaction: (body) => db.transaction((tx) => body(into(tx))),
    writers: async (count, mode) => {
      // Half the writers share the pool, half hold their own Client: both shapes race.
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          if (i % 2 === 0) return (records: SequinRecord[]) => into(db)(records, mode);
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          clients.push(client);
          const own = drizzle(client);
          return (records: SequinRecord[]) => into(own)(records, mode);
        }),
      );
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.end()));
      await pool.end();
    },
  };
});
