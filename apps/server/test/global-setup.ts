import { adminUrlFrom, createDatabase } from "@sequin/test-db";
import type { TestProject } from "vitest/node";
import { migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

/** Creates one migrated template database per run; each test file copies it. */
export default async function setup(project: TestProject) {
  const adminUrl = adminUrlFrom();
  const template = await createDatabase({
    adminUrl,
    prefix: `sqsrv_tpl_${process.pid}`,
    async setup(url) {
      const db = await openDatabase({ databaseUrl: url });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
    },
  });
  project.provide("adminUrl", adminUrl);
  project.provide("templateDb", template.name);
  return () => template.drop();
}
