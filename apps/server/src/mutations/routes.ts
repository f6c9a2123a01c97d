import {
  consumersTimeout,
  summarizeDetails,
  unknownAwaitedConsumer,
  zRunMutationBody,
  zRunMutationHeaders,
} from "@sequin/client/schemas";
import { type Response, Router } from "express";
import type { SequinRecord } from "../api-types.js";
import { resolveConsumer } from "../consumers/service.js";
import { requireJson } from "../http/body.js";
import { HttpError } from "../http/errors.js";
import type { RouteDeps } from "../http/route-deps.js";
import { parseBody, parseQuery } from "../http/validate.js";
import { defaultStreamId, getStream } from "../streams/service.js";
import { awaitConsumers } from "./await-consumers.js";
import { currentRecords } from "./current-records.js";
import {
  claimMutation,
  completeClaim,
  mutationHash,
  releaseClaim,
  saveUpstreamResult,
  upstreamIdempotencyKey,
} from "./mutation-claims.js";
import { type NormalizedMutation, normalizeMutation } from "./normalize-mutation.js";
import { type Upstream, UpstreamError, type UpstreamRecord } from "./upstream.js";
import { writeUpstreamRecords } from "./write-upstream-records.js";

/** Aborted when the client goes away before the answer is sent (or once it is sent). */
function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  return controller.signal;
}

/** POST /v1/mutations/run: upstream first, then the stream, then (optionally) the consumers. */
export function mutationRoutes({ db, hub, notifier }: RouteDeps, upstream: Upstream): Router {
  const router = Router();

  router.post("/v1/mutations/run", requireJson, async (req, res) => {
    const body = parseBody(zRunMutationBody, req.body);
    const { "Idempotency-Key": key } = parseQuery(zRunMutationHeaders, {
      "Idempotency-Key": req.get("idempotency-key"),
    });
    const m = normalizeMutation(body);
    const accountId = req.accountId;
    const streamId = m.streamId ?? (await defaultStreamId(db, accountId));
    await getStream(db, accountId, streamId);
    const awaited = await resolveAwaited(m, accountId);
    const gone = clientGone(res);

    let records: SequinRecord[];
    const hash = key ? mutationHash(req.body) : undefined;
    const claim =
      key && hash ? await claimMutation(db, accountId, key, hash) : { stage: "claimed" as const };
    const upstreamKey = key && hash ? upstreamIdempotencyKey(accountId, key, hash) : undefined;
    if (claim.stage === "completed") {
      res.setHeader("Idempotent-Replayed", "true");
      records = claim.records;
    } else {
      let answer: UpstreamRecord[];
      if (claim.stage === "upstream_done") {
        answer = claim.upstream;
      } else {
        try {
          answer = await applyUpstream(m, accountId, streamId, gone, upstreamKey);
        } catch (err) {
          if (key) await releaseClaim(db, accountId, key);
          throw err;
        }
        if (key) await saveUpstreamResult(db, accountId, key, answer);
      }
      const written = await db.transaction(async (tx) => {
        const out = await writeUpstreamRecords(tx, accountId, streamId, m, answer);
        if (key) await completeClaim(tx, accountId, key, out.records);
        return out;
      });
      if (written.changed) notifier.publish(`s:${streamId}`);
      records = written.records;
    }

    const pending = await awaitConsumers(
      db,
      hub,
      accountId,
      awaited,
      records.map((r) => ({ recordId: r.id, updatedIdx: r.updated_idx })),
      m.awaitTimeoutMs,
      gone,
    );
    if (pending.length > 0) {
      const { error, docs } = consumersTimeout(pending);
      throw new HttpError(500, "consumers_timeout", error, undefined, undefined, {
        records,
        docs,
      });
    }
    res.json({ records });
  });

  /**
   * The ids of the awaited consumers, in request order and each once (a consumer may be named by
   * id and by name). Each must exist in this account: a 404 names every one that does not.
   */
  async function resolveAwaited(m: NormalizedMutation, accountId: string): Promise<string[]> {
    const found = new Set<string>();
    const missing: { path: string; message: string }[] = [];
    for (const [i, ref] of m.awaitConsumers.entries()) {
      try {
        found.add((await resolveConsumer(db, accountId, ref)).id);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 404) throw err;
        missing.push(unknownAwaitedConsumer(i, ref));
      }
    }
    if (missing.length > 0)
      throw new HttpError(404, "not_found", summarizeDetails(missing), missing);
    return [...found];
  }

  /** Validates the targets against the stream, then asks the upstream. */
  async function applyUpstream(
    m: NormalizedMutation,
    accountId: string,
    streamId: string,
    signal: AbortSignal,
    idempotencyKey: string | undefined,
  ) {
    const ids = m.kind === "update" ? m.updates.map((u) => u.upstreamId) : m.deletes;
    const current = await currentRecords(
      db,
      accountId,
      streamId,
      m.collectionId,
      m.syncId,
      ids,
      m.kind === "delete" ? "delete" : "update",
    );
    try {
      return await upstream.apply({ ...m, streamId, current, signal, idempotencyKey });
    } catch (err) {
      if (err instanceof UpstreamError) throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  }

  return router;
}
