import {
  zAppendEventsBody,
  zCreateStreamBody,
  zGetStreamPath,
  zListEventsQuery,
  zListRecordsQuery,
  zListStreamsQuery,
  zUpsertRecordsBody,
} from "@sequin/client/schemas";
import { Router } from "express";
import { appendEvents } from "../events/append-events.js";
import { toEvent } from "../events/event-row.js";
import { listEvents } from "../events/list-events.js";
import { requireJson } from "../http/body.js";
import { decodeCursor, page } from "../http/cursor.js";
import { runWrite } from "../http/idempotency.js";
import type { RouteDeps } from "../http/route-deps.js";
import { parseBody, parsePath, parseQuery } from "../http/validate.js";
import { listRecords } from "../records/list-records.js";
import { toRecord } from "../records/record-row.js";
import { writeRecords } from "../records/write-records.js";
import { createStreamRow, deleteStream, getStream, listStreams, toStream } from "./service.js";

/** Streams, and their records and events. */
export function streamRoutes({ db, notifier }: RouteDeps): Router {
  const router = Router();

  router.post("/v1/streams", requireJson, async (req, res) => {
    const body = parseBody(zCreateStreamBody, req.body);
    await runWrite(db, req, res, async (tx) => ({
      status: 201,
      body: await createStreamRow(tx, req.accountId, body),
    }));
  });

  router.get("/v1/streams", async (req, res) => {
    const query = parseQuery(zListStreamsQuery, req.query);
    const rows = await listStreams(db, req.accountId, decodeCursor(query.cursor), query.limit);
    const { data, next_cursor } = page(rows, query.limit, (r) => r.ord);
    res.json({ data: data.map(toStream), next_cursor });
  });

  router.get("/v1/streams/:stream_id", async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    res.json(await getStream(db, req.accountId, stream_id));
  });

  router.delete("/v1/streams/:stream_id", async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    await db.transaction((tx) => deleteStream(tx, req.accountId, stream_id));
    res.json({ id: stream_id, deleted: true });
  });

  router.post("/v1/streams/:stream_id/records", requireJson, async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    const body = parseBody(zUpsertRecordsBody, req.body);
    // One statement: it commits on its own, in one round trip (no BEGIN or COMMIT).
    const result = await writeRecords(db, req.accountId, stream_id, body.records, {
      tokenHash: req.tokenHash,
    });
    if (result.changed) notifier.publish(`s:${stream_id}`);
    res.json({ data: result.results });
  });

  router.get("/v1/streams/:stream_id/records", async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    const query = parseQuery(zListRecordsQuery, req.query);
    await getStream(db, req.accountId, stream_id);
    const rows = await listRecords(db, req.accountId, stream_id, {
      after: decodeCursor(query.cursor),
      limit: query.limit,
      collectionId: query.collection_id,
    });
    const { data, next_cursor } = page(rows, query.limit, (r) => Number(r.updated_idx));
    res.json({ data: data.map(toRecord), next_cursor });
  });

  router.post("/v1/streams/:stream_id/events", requireJson, async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    const body = parseBody(zAppendEventsBody, req.body);
    await runWrite(db, req, res, async (tx) => ({
      status: 201,
      body: {
        data: await appendEvents(tx, req.accountId, stream_id, body.events),
        next_cursor: null,
      },
      afterCommit: () => notifier.publish(`s:${stream_id}`),
    }));
  });

  router.get("/v1/streams/:stream_id/events", async (req, res) => {
    const { stream_id } = parsePath(zGetStreamPath, req.params);
    const query = parseQuery(zListEventsQuery, req.query);
    await getStream(db, req.accountId, stream_id);
    const rows = await listEvents(db, req.accountId, stream_id, {
      after: decodeCursor(query.cursor),
      limit: query.limit,
      collectionId: query.collection_id,
    });
    const { data, next_cursor } = page(rows, query.limit, (r) => Number(r.seq));
    res.json({ data: data.map(toEvent), next_cursor });
  });

  return router;
}
