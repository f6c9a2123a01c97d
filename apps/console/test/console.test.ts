import { createClient, type SequinClient } from "@sequin/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launch, openPage, screenshot } from "./support/browser.js";
import { type ServerProcess, startServer } from "./support/server.js";

// One server and one browser for the file; every test has its own account and its own page, so
// each one stands alone (`-t` runs any of them by itself) and checks its own console errors.
let server: ServerProcess;
let browser: Browser;
let failed = false;

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") failed = true;
});
afterAll(async () => {
  await browser?.close();
  await server?.stop(failed);
});

/** A fresh account: its token and a client of it. */
async function newAccount(): Promise<{ token: string; client: SequinClient }> {
  const token = await server.newAccount();
  return { token, client: createClient({ baseUrl: server.url, token }) };
}

/** A new page signed in to the console with `token`, on the consumers list. */
async function signedIn(token: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, server.url);
  await opened.page.goto(`${server.url}/console`);
  await opened.page.fill('input[name="token"]', token);
  await opened.page.click('button[type="submit"]');
  await opened.page.getByRole("heading", { name: "Consumers" }).waitFor();
  return opened;
}

/** The number a `data-testid` cell shows, once it equals `expected` (the page refreshes itself). */
async function expectCount(page: Page, scope: string, testId: string, expected: number) {
  const cell = page.locator(`${scope} [data-testid="${testId}"]`).first();
  await cell.waitFor();
  await expect
    .poll(async () => Number(await cell.textContent()), { timeout: 10_000 })
    .toBe(expected);
}

const ORDER = "shop:order";
const orders = (ids: string[]) =>
  ids.map((id) => ({ collection_id: ORDER, upstream_id: id, data: { id, total: 10 } }));

describe("the console in Chromium", () => {
  it("refuses a bad token, then signs in with a good one", async () => {
    const { token } = await newAccount();
    // The refused page logs the 401 as a console error: its errors are not checked.
    const other = await openPage(browser, server.url);
    await other.page.goto(`${server.url}/console/`);
    await other.page.fill('input[name="token"]', "sqn_not-a-real-token");
    await other.page.click('button[type="submit"]');
    await other.page.getByRole("alert").waitFor();
    const alert = (await other.page.getByRole("alert").textContent()) ?? "";
    // The status once, then the server's words (not "401 … (HTTP 401)").
    expect(alert).toMatch(/^401 \S/);
    expect(alert.match(/401/g)).toHaveLength(1);
    await screenshot(other.page, "console-sign-in-refused");
    await other.page.close();

    const { page, errors } = await signedIn(token);
    await page.getByText("No consumers yet.").waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("creates a consumer and shows pending change after records are upserted", async () => {
    const { token, client } = await newAccount();
    const { page, errors } = await signedIn(token);
    await page.click("text=New consumer");
    await page.fill('input[name="name"]', "orders-worker");
    await page.fill('input[name="filter-collection_id"]', ORDER);
    await page.fill('input[name="max_deliver"]', "1");
    // "Cancel" stands beside the submit button, on its row, with room between them.
    const create = await page.locator('button:has-text("Create consumer")').boundingBox();
    const cancel = await page.locator('form a:has-text("Cancel")').boundingBox();
    if (!create || !cancel) throw new Error("the form's buttons are not shown");
    expect(cancel.x - (create.x + create.width)).toBeGreaterThanOrEqual(12);
    expect(Math.abs(cancel.y + cancel.height / 2 - (create.y + create.height / 2))).toBeLessThan(2);
    await screenshot(page, "console-new-consumer");
    await page.click('button:has-text("Create consumer")');
    await page.getByTestId("consumer-page").waitFor();
    await expectCount(page, "", "pending", 0);
    // A record consumer is always per-key, by its record.
    expect(await page.getByTestId("ordering").textContent()).toBe("per_key by record");

    const [stream] = await client.streams.list().toArray();
    await client.records.upsert(stream!.id, [
      ...orders(["o-1", "o-2", "o-3"]),
      { collection_id: "shop:customer", upstream_id: "c-1", data: { name: "Ann" } },
    ]);
    await page.click('button:has-text("Refresh")');
    await expectCount(page, "", "pending", 3);
    await page.locator('[data-testid="messages"] tr[data-state="pending"]').nth(2).waitFor();
    const api = await client.consumers.peek("orders-worker");
    expect(api.info).toEqual({ num_pending: 3, num_ack_pending: 0, num_dead_letters: 0 });
    await screenshot(page, "console-consumer-pending");

    // The list shows the same counts as the API.
    await page.click('header a:has-text("Consumers")');
    const row = 'tr[data-consumer="orders-worker"]';
    await expectCount(page, row, "pending", 3);
    await expectCount(page, row, "ack-pending", 0);
    expect(await page.locator(`${row} td`).nth(2).textContent()).toContain(
      `collection_id=${ORDER}`,
    );
    await screenshot(page, "console-consumers");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a dead letter and redrives it", async () => {
    const { token, client } = await newAccount();
    await client.consumers.create({
      name: "orders-worker",
      filters: { collection_id: ORDER },
      max_deliver: 1,
    });
    const [stream] = await client.streams.list().toArray();
    await client.records.upsert(stream!.id, orders(["o-1", "o-2", "o-3"]));
    const { page, errors } = await signedIn(token);
    const leased = await client.next("orders-worker", { batch_size: 2 });
    expect(leased.data).toHaveLength(2);
    // max_deliver 1: a nack makes the first a dead letter; the second stays leased.
    await client.nack("orders-worker", [leased.data[0]!.ack_token]);

    await page.click('a:has-text("orders-worker")');
    await expectCount(page, "", "dead", 1);
    await expectCount(page, "", "ack-pending", 1);
    await expectCount(page, "", "pending", 1);
    await page.locator('[data-testid="messages"] tr[data-state="leased"]').waitFor();
    await page.locator('[data-testid="dead-letters"] tbody tr').waitFor();
    await screenshot(page, "console-dead-letter");

    await page.click('button:has-text("Redrive all")');
    await expectCount(page, "", "dead", 0);
    await expectCount(page, "", "pending", 2);
    const api = await client.consumers.peek("orders-worker");
    expect(api.info).toEqual({ num_pending: 2, num_ack_pending: 1, num_dead_letters: 0 });
    await page.getByText("No dead letters.").waitFor();
    await screenshot(page, "console-redriven");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("edits and deletes a consumer", async () => {
    const { token, client } = await newAccount();
    await client.consumers.create({ name: "keep" });
    await client.consumers.create({ name: "scratch" });
    const { page, errors } = await signedIn(token);
    await page.goto(`${server.url}/console/#/consumers/scratch`);
    await page.getByTestId("consumer-page").waitFor();
    await page.click('button:has-text("Edit")');
    await page.fill('[data-testid="consumer-form"] input[name="max_ack_pending"]', "7");
    await page.click('[data-testid="consumer-form"] button:has-text("Save")');
    await expect.poll(async () => (await client.consumers.get("scratch")).max_ack_pending).toBe(7);

    await page.click('button:has-text("Delete")');
    await page.click('button:has-text("Really delete")');
    await page.getByRole("heading", { name: "Consumers" }).waitFor();
    await expect
      .poll(async () => (await client.consumers.list().toArray()).map((c) => c.name))
      .toEqual(["keep"]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("pauses and resumes a consumer, for a while too, and sets its backoff_ms", async () => {
    const { token, client } = await newAccount();
    await client.consumers.create({ name: "orders-worker", filters: { collection_id: ORDER } });
    const { page, errors } = await signedIn(token);
    await page.goto(`${server.url}/console/#/consumers/orders-worker`);
    await page.getByTestId("consumer-page").waitFor();
    expect(await page.getByTestId("state").textContent()).toBe("running");
    expect(await page.getByTestId("backoff").textContent()).toBe("0, 1000, 5000, 30000");

    await page.click('[data-testid="controls"] button:has-text("Pause")');
    await page.getByTestId("paused").waitFor();
    expect(await page.getByTestId("paused").textContent()).toBe("paused until resumed");
    expect(await client.consumers.get("orders-worker")).toMatchObject({
      paused: true,
      paused_until: null,
    });
    await screenshot(page, "console-paused");
    await page.click('[data-testid="controls"] button:has-text("Resume")');
    await page.locator('[data-testid="controls"] button:has-text("Pause")').waitFor();
    expect((await client.consumers.get("orders-worker")).paused).toBe(false);

    // A timed pause: the API and the page show when it ends.
    const before = Date.now();
    await page.selectOption('select[name="pause-for"]', { label: "for 1 hour" });
    await page.click('[data-testid="controls"] button:has-text("Pause")');
    await page.getByTestId("paused").waitFor();
    const timed = await client.consumers.get("orders-worker");
    expect(timed.paused).toBe(true);
    const end = Date.parse(timed.paused_until ?? "");
    expect(end - before).toBeGreaterThanOrEqual(3_600_000 - 1_000);
    expect(end - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(await page.getByTestId("paused").textContent()).toMatch(/^paused until \S/);
    expect(await page.getByTestId("paused").textContent()).not.toBe("paused until resumed");
    await page.click('[data-testid="controls"] button:has-text("Resume")');
    await expect.poll(async () => (await client.consumers.get("orders-worker")).paused).toBe(false);

    await page.click('button:has-text("Edit")');
    const backoff = '[data-testid="consumer-form"] input[name="backoff_ms"]';
    expect(await page.inputValue(backoff)).toBe("0, 1000, 5000, 30000");
    await page.fill(backoff, "100, 2000 60000");
    await page.click('[data-testid="consumer-form"] button:has-text("Save")');
    await expect
      .poll(async () => (await client.consumers.get("orders-worker")).backoff_ms)
      .toEqual([100, 2_000, 60_000]);
    await expect.poll(() => page.getByTestId("backoff").textContent()).toBe("100, 2000, 60000");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows why messages failed: last error and retry time, dead letters' cause", async () => {
    const { token, client } = await newAccount();
    await client.consumers.create({ name: "orders-worker", filters: { collection_id: ORDER } });
    const [stream] = await client.streams.list().toArray();
    await client.records.upsert(stream!.id, orders(["o-1", "o-2"]));
    const leased = await client.next("orders-worker", { batch_size: 2 });
    const [first, second] = leased.data.map((m) => m.ack_token);
    await client.nack("orders-worker", [first!], { delay_ms: 600_000, reason: "db down" });
    await client.term("orders-worker", [second!], { reason: "Order has no customer" });

    const { page, errors } = await signedIn(token);
    await page.click('a:has-text("orders-worker")');
    await expectCount(page, "", "dead", 1);
    const waiting = page.locator('[data-testid="messages"] tr[data-state="pending"]');
    await waiting.waitFor();
    expect(await waiting.getByTestId("last-error").textContent()).toBe("db down");
    expect(await waiting.getByTestId("retry-at").textContent()).not.toBe("");
    const dead = page.locator('[data-testid="dead-letters"] tbody tr');
    expect(await dead.getAttribute("data-cause")).toBe("terminated");
    expect(await dead.getByTestId("cause").textContent()).toBe("terminated");
    expect(await dead.getByTestId("last-error").textContent()).toBe("Order has no customer");
    await screenshot(page, "console-last-errors");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("rewinds a consumer after a confirmation", async () => {
    const { token, client } = await newAccount();
    await client.consumers.create({ name: "orders-worker", filters: { collection_id: ORDER } });
    const [stream] = await client.streams.list().toArray();
    await client.records.upsert(stream!.id, orders(["o-1", "o-2", "o-3"]));
    const leased = await client.next("orders-worker", { batch_size: 3 });
    await client.ack(
      "orders-worker",
      leased.data.map((m) => m.ack_token),
    );
    const { page, errors } = await signedIn(token);
    await page.goto(`${server.url}/console/#/consumers/orders-worker`);
    await expectCount(page, "", "pending", 0);

    await page.click('button:has-text("Rewind…")');
    await page.click('[data-testid="rewind-form"] button:has-text("Rewind")');
    // Nothing happens before the confirmation.
    expect((await client.consumers.peek("orders-worker")).info.num_pending).toBe(0);
    await screenshot(page, "console-rewind-confirm");
    await page.click('button:has-text("Really rewind?")');
    await page.getByTestId("rewound").waitFor();
    expect(await page.getByTestId("rewound").textContent()).toBe("Rewound: 3 pending.");
    await expectCount(page, "", "pending", 3);
    expect((await client.consumers.peek("orders-worker")).info).toEqual({
      num_pending: 3,
      num_ack_pending: 0,
      num_dead_letters: 0,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists streams with the API's record and event counts", async () => {
    const { token, client } = await newAccount();
    const [stream] = await client.streams.list().toArray();
    await client.records.upsert(stream!.id, [
      ...orders(["o-1", "o-2", "o-3"]),
      { collection_id: "shop:customer", upstream_id: "c-1", data: { name: "Ann" } },
    ]);
    await client.events.append(stream!.id, [{ collection_id: ORDER, action: "paid", data: {} }]);
    const { page, errors } = await signedIn(token);
    await page.click('header a:has-text("Streams")');
    const stats = await client.streams.stats(stream!.id);
    expect(stats.record_count).toBe(4);
    const row = `tr[data-stream="${stream!.name}"]`;
    // Five events (four created, one appended) for four records: the two counts are told apart.
    expect(stats.event_count).toBe(5);
    await expectCount(page, row, "record-count", stats.record_count);
    await expectCount(page, row, "event-count", stats.event_count);
    await screenshot(page, "console-streams");
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("/docs in Chromium", () => {
  it("renders the API reference from openapi.yaml without console errors", async () => {
    const docs = await openPage(browser, server.url);
    await docs.page.goto(`${server.url}/docs`);
    for (const summary of [
      "Lease the next messages",
      "Peek at the next messages",
      "Redrive dead letters",
    ]) {
      // Redoc's operation headings end with a space: match the whole text, not a prefix.
      const heading = docs.page.locator("h2").filter({ hasText: new RegExp(`^${summary}\\s*$`) });
      await heading.waitFor({ timeout: 20_000 });
    }
    await screenshot(docs.page, "docs", false);
    expect(docs.errors).toEqual([]);
    await docs.page.close();
  });
});
