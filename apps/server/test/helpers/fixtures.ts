import { expect } from "vitest";
import type { Api, Loose } from "./api.js";

let counter = 0;
/** A name unique in this process. */
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

/** A record input with sensible defaults. */
export function record(
  upstreamId: string,
  data: Record<string, unknown> = { name: upstreamId },
  extra: object = {},
) {
  return { collection_id: "salesforce:contact", upstream_id: upstreamId, data, ...extra };
}

/** Creates a stream; returns its id. */
export async function createStream(api: Api, body: object = {}): Promise<string> {
  const res = await api.post("/v1/streams", { name: uniqueName("s"), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** Creates a consumer; returns it. */
export async function createConsumer(
  api: Api,
  body: object = {},
): Promise<{ id: string; name: string; stream_id: string }> {
  const res = await api.post("/v1/http-consumers", { name: uniqueName("c"), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Upserts records; returns the per-record results. */
export async function upsert(api: Api, streamId: string, records: object[]) {
  const res = await api.post(`/v1/streams/${streamId}/records`, { records });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Array<{
    id: string;
    updated_idx: number;
    result: string;
    upstream_id: string;
  }>;
}

/** Leases with GET .../next. */
export async function next(api: Api, consumer: string, batchSize = 10, waitFor = 0) {
  const res = await api.get(
    `/v1/http-consumers/${consumer}/next?batch_size=${batchSize}&wait_for=${waitFor}`,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    data: Array<{
      ack_token: string;
      deliver_count: number;
      lease_expires_at: string;
      record?: Loose;
      event?: Loose;
    }>;
    info: { num_pending: number; num_ack_pending: number };
  };
}

/** Acks tokens; returns the answer. */
export async function ack(api: Api, consumer: string, tokens: string[]) {
  const res = await api.post(`/v1/http-consumers/${consumer}/ack`, { ack_tokens: tokens });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { success: boolean; count: number; unknown_ack_tokens: string[] };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
