// API tokens: only a hash is stored; lookups go by that hash, never by comparing secrets; a
// revoked token stops working at once, on every server sharing the database.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { createAccount, createToken } from "@sequin/server/source";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";
import { snapshot } from "../../src/db-snapshot.js";
import { type InProcessServer, startInProcessServer } from "../../src/in-process-server.js";
import { SERVER_CLI } from "../../src/paths.js";

const run = promisify(execFile);
let database: TestDatabase;
let one: InProcessServer;
let two: InProcessServer;

beforeAll(async () => {
  database = await createTestDatabase("sqapitok");
  one = await startInProcessServer(database.db);
  two = await startInProcessServer(database.db);
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

const status = (server: InProcessServer, token: string) =>
  fetch(`${server.url}/v1/streams`, { headers: { authorization: `Bearer ${token}` } }).then(
    (r) => r.status,
  );

/** `sequin-server <args>` on the test database, as an operator runs it. */
const cli = (...args: string[]) =>
  run(process.execPath, [SERVER_CLI, ...args], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "silent" },
  });

it("only the sha256 of a token is stored, and no table holds the secret", async () => {
  const account = await createAccount(database.db, "hashed");
  const extra = await createToken(database.db, account.accountId, "extra");
  for (const token of [account.token.token, extra.token]) {
    const secret = token.slice("sqn_".length);
    const { rows } = await database.db.query<{ token_hash: Uint8Array }>(
      "SELECT token_hash FROM api_tokens WHERE account_id = $1 AND token_hash = $2",
      [account.accountId, createHash("sha256").update(token).digest()],
    );
    expect(rows).toHaveLength(1);
    // Not in any column of any table, in any case.
    const tables = Object.keys(await snapshot(database.db));
    for (const table of tables) {
      const { rows: hits } = await database.db.query(
        `SELECT 1 FROM "${table}" t WHERE t::text ILIKE '%' || $1 || '%' LIMIT 1`,
        [secret],
      );
      expect(hits, `${table} holds the secret`).toEqual([]);
    }
  }
});

it("a token that differs from a real one in its last character, or by case, is refused", async () => {
  const { token } = (await createAccount(database.db, "near")).token;
  expect(await status(one, token)).toBe(200);
  const last = token.at(-1) === "A" ? "B" : "A";
  for (const near of [
    `${token.slice(0, -1)}${last}`,
    token.toUpperCase(),
    `${token} `,
    token.slice(0, -1),
  ]) {
    if (near.trim() === token) continue;
    expect(await status(one, near), near).toBe(401);
  }
});

it("revoke-token (CLI, by secret or by id) stops the token at once on every server", async () => {
  const account = await createAccount(database.db, "revoked");
  const bySecret = await createToken(database.db, account.accountId, "by-secret");
  const byId = await createToken(database.db, account.accountId, "by-id");
  for (const server of [one, two]) {
    expect(await status(server, bySecret.token)).toBe(200);
    expect(await status(server, byId.token)).toBe(200);
  }
  expect((await cli("revoke-token", bySecret.token)).stdout).toContain("Revoked");
  expect((await cli("revoke-token", byId.id)).stdout).toContain("Revoked");
  // The very next request, on either server: no cache to wait out.
  for (const server of [one, two]) {
    expect(await status(server, bySecret.token)).toBe(401);
    expect(await status(server, byId.token)).toBe(401);
    expect(await status(server, account.token.token)).toBe(200);
  }
  // Revoking again finds no live token.
  await expect(cli("revoke-token", byId.id)).rejects.toMatchObject({ code: 2 });
});
