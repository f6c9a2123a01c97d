import type { HttpHandler } from "msw";
import {
  zAppendEventsBody,
  zCreateStreamBody,
  zGetStreamPath,
  zGetStreamStatsPath,
  zListEventsQuery,
  zListRecordsQuery,
  zListStreamsQuery,
  zUpsertRecordsBody,
} from "../../generated/zod.gen.js";
import { parseBody, parsePath, parseQuery } from "../http/validation.js";
import { appendEvent, listEvents } from "../records/events.js";
import { listRecords, upsertRecord } from "../records/records.js";
import {
  createStream,
  deleteStream,
  getStream,
  listStreams,
  streamStats,
} from "../records/streams.js";
import type { MockContext } from "../state/context.js";
import type { Router } from "./route.js";

/** Streams, and the records and events they hold. */
export function streamHandlers(ctx: MockContext, router: Router): HttpHandler[] {
  return [
    router.route("post", "/v1/streams", { body: "required" }, (req) => {
      const input = parseBody(zCreateStreamBody, req.body);
      return req.idempotent(async () => ({
        status: 201 as const,
        body: createStream(ctx, req.accountId, input),
      }));
    }),
    router.route("get", "/v1/streams", {}, (req) => {
      const query = parseQuery(zListStreamsQuery, req.url);
      return { status: 200, body: listStreams(ctx, req.accountId, query) };
    }),
    router.route("get", "/v1/streams/{stream_id}", {}, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      return { status: 200, body: getStream(ctx, req.accountId, stream_id).stream };
    }),
    router.route("get", "/v1/streams/{stream_id}/stats", {}, (req) => {
      const { stream_id } = parsePath(zGetStreamStatsPath, req.params);
      return { status: 200, body: streamStats(ctx, getStream(ctx, req.accountId, stream_id)) };
    }),
    router.route("delete", "/v1/streams/{stream_id}", {}, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      return { status: 200, body: deleteStream(ctx, req.accountId, stream_id) };
    }),
    router.route("post", "/v1/streams/{stream_id}/records", { body: "required" }, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      const input = parseBody(zUpsertRecordsBody, req.body);
      const stream = getStream(ctx, req.accountId, stream_id);
      return {
        status: 200,
        body: { data: input.records.map((r) => upsertRecord(ctx, stream, r).result) },
      };
    }),
    router.route("get", "/v1/streams/{stream_id}/records", {}, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      const query = parseQuery(zListRecordsQuery, req.url);
      return { status: 200, body: listRecords(getStream(ctx, req.accountId, stream_id), query) };
    }),
    router.route("post", "/v1/streams/{stream_id}/events", { body: "required" }, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      const input = parseBody(zAppendEventsBody, req.body);
      const stream = getStream(ctx, req.accountId, stream_id);
      return req.idempotent(async () => ({
        status: 201 as const,
        body: { data: input.events.map((e) => appendEvent(ctx, stream, e)), next_cursor: null },
      }));
    }),
    router.route("get", "/v1/streams/{stream_id}/events", {}, (req) => {
      const { stream_id } = parsePath(zGetStreamPath, req.params);
      const query = parseQuery(zListEventsQuery, req.url);
      return {
        status: 200,
        body: listEvents(ctx, getStream(ctx, req.accountId, stream_id), query),
      };
    }),
  ];
}
