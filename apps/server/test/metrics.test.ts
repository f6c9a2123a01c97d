import { describe, expect, it } from "vitest";
import { ack, createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest, startTestServer } from "./helpers/server.js";

const { db, server, api } = await serverTest();

/** Scrapes /metrics like Prometheus does: no token. */
async function scrape(url = server.url): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one sample, e.g. `sequin_messages_leased_total` or `x{a="b"}`; undefined if absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("/metrics", () => {
  it("counts leases, acks and requests by route template after traffic", async () => {
    const stream = await createStream(api);
    await upsert(
      api,
      stream,
      Array.from({ length: 5 }, (_, i) => record(`m${i}`)),
    );
    const consumer = await createConsumer(api, { stream_id: stream, max_deliver: 1 });
    const leased = await next(api, consumer.id, 3);
    await ack(
      api,
      consumer.id,
      leased.data.slice(0, 2).map((m) => m.ack_token),
    );
    await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [leased.data[2]!.ack_token],
    });
    await next(api, consumer.id, 1); // leaves one leased

    const text = await scrape();
    expect(sample(text, "sequin_messages_leased_total")).toBe(4);
    expect(sample(text, 'sequin_messages_settled_total{op="ack"}')).toBe(2);
    expect(sample(text, 'sequin_messages_settled_total{op="nack"}')).toBe(1);
    expect(sample(text, 'sequin_lease_requests_total{long_poll="false"}')).toBe(2);
    expect(sample(text, 'sequin_settle_duration_seconds_count{op="ack"}')).toBe(1);
    expect(
      sample(
        text,
        'sequin_http_requests_total{method="GET",route="/v1/http-consumers/:consumer/next",status="200"}',
      ),
    ).toBe(2);
    // Ids in paths never become label values of the request counters.
    const requestLines = text.split("\n").filter((l) => l.startsWith("sequin_http_"));
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.join("\n")).not.toContain(consumer.id);

    // Scrape-time gauges: 5 records, 2 acked, 1 dead, 1 leased, 1 pending.
    const labels = `account_id="${await accountOf(consumer.id)}",consumer_id="${consumer.id}",consumer="${consumer.name}"`;
    expect(sample(text, `sequin_consumer_pending_messages{${labels}}`)).toBe(1);
    expect(sample(text, `sequin_consumer_ack_pending_messages{${labels}}`)).toBe(1);
    expect(sample(text, `sequin_consumer_dead_letters{${labels}}`)).toBe(1);
    expect(sample(text, "sequin_consumer_metrics_up")).toBe(1);
    expect(sample(text, 'sequin_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(sample(text, "sequin_db_pool_waiting_requests")).toBe(0);
  });

  it("is per app: a second app on the same database starts from zero and does not collide", async () => {
    const other = await startTestServer(db);
    try {
      const text = await scrape(other.url);
      expect(sample(text, "sequin_messages_leased_total")).toBe(0);
      // The database-side gauges are the same for both: they are read from the database.
      expect(text).toContain("sequin_consumer_pending_messages{");
    } finally {
      await other.close();
    }
  });

  it("counts unknown paths under one label, and a 401 before routing too", async () => {
    await api.get(`/v1/no-such-path/${Math.random()}`);
    await fetch(`${server.url}/v1/streams`);
    const text = await scrape();
    expect(
      sample(text, 'sequin_http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBeGreaterThan(0);
    // Authentication answers before routing: a 401 has no route template.
    expect(
      sample(text, 'sequin_http_requests_total{method="GET",route="unmatched",status="401"}'),
    ).toBe(1);
  });

  it("can be turned off", async () => {
    const off = await startTestServer(db, { metrics: false });
    try {
      const res = await fetch(`${off.url}/metrics`);
      // Behind authentication like any other unknown path.
      expect(res.status).toBe(401);
      expect(off.sequin.metrics).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

async function accountOf(consumerId: string): Promise<string> {
  const { rows } = await db.query<{ account_id: string }>(
    "SELECT account_id FROM consumers WHERE id = $1",
    [consumerId],
  );
  return rows[0]!.account_id;
}
