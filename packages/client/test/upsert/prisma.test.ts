import type { SequinRecord } from "../../src/types.js";
import { type PrismaRawClient, upsertRecord, upsertRecords } from "../../src/upsert/prisma.js";
import type { UpsertOptions } from "../../src/upsert/types.js";
import { generatePrismaClient, openPrisma } from "./prisma-client.js";
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

describeUpsertDriver("prisma", async (url) => {
  await generatePrismaClient();
  const prisma = await openPrisma(url, 10);
  const contacts =
    (client: PrismaRawClient) =>
    (records: SequinRecord[], mode: "soft" | "hard" = "soft") =>
      upsertRecords(client, "contacts", records, { deleteMode: mode });
  return {
    contacts: contacts(prisma),
    one: (record, mode = "soft") => upsertRecord(prisma, "contacts", record, { deleteMode: mode }),
    people: (records) => upsertRecords(prisma, 'crm "eu".people', records, people),
    transaction: (body) => prisma.$transaction((tx) => body(contacts(tx))),
    writers: async (count, mode) =>
      Array.from(
        { length: count },
        () => (records: SequinRecord[]) => contacts(prisma)(records, mode),
      ),
    close: () => prisma.$disconnect(),
  };
});
