import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaRawClient } from "../../src/upsert/prisma.js";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const schema = "test/prisma/schema.prisma";
const generatedClient = new URL("../prisma/generated/client.ts", import.meta.url).href;

/** The parts of the generated PrismaClient the tests use (it is generated, so not imported statically). */
export interface TestPrismaClient extends PrismaRawClient {
  $transaction<T>(work: (tx: PrismaRawClient) => Promise<T>): Promise<T>;
  $transaction(queries: PromiseLike<unknown>[]): Promise<unknown[]>;
  $disconnect(): Promise<void>;
  contact: { count(): Promise<number> };
}

/**
 * Generates the client offline: a schema engine is only needed for migrations, so
 * PRISMA_SCHEMA_ENGINE_BINARY=/bin/false proves generation never needs one (nor the network).
 */
export async function generatePrismaClient(): Promise<void> {
  await promisify(execFile)("node_modules/.bin/prisma", ["generate", "--schema", schema], {
    cwd: packageDir,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  });
}

/** A PrismaClient of the generated client on @prisma/adapter-pg. */
export async function openPrisma(url: string, max: number): Promise<TestPrismaClient> {
  const { PrismaClient } = (await import(/* @vite-ignore */ generatedClient)) as {
    PrismaClient: new (options: { adapter: PrismaPg }) => TestPrismaClient;
  };
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max }) });
}
