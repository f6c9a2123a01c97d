import type { ConsumerClient, ConsumerHandle, SequinEvent } from "@sequin/client";
import { runConsumer } from "@sequin/client";
import type pg from "pg";
import type { Contact } from "./contact.js";
import type { WorkerTuning } from "./sync-contacts.js";

/** One welcome email to send. */
export interface WelcomeEmail {
  /** The `created` event's id: pass it to your email provider as an idempotency key. */
  eventId: string;
  /** `contacts.id` of the new contact. */
  recordId: string | null;
  /** The Salesforce Id. */
  upstreamId: string | null;
  email: string;
  firstName: string | null;
}

/** Sends the email (your provider's API). Throw to have the event redelivered and retried. */
export type SendWelcomeEmail = (email: WelcomeEmail, context: { signal: AbortSignal }) => unknown;

/** Options of `startWelcomeEmails`. */
export interface WelcomeEmailsOptions extends WorkerTuning {
  /** The Sequin client. Required. */
  client: ConsumerClient;
  /** The app's Postgres pool: each email is recorded in a transaction of its own. Required. */
  db: Pick<pg.Pool, "connect">;
  /** The event consumer of `salesforce:contact`. Required. */
  consumer: string;
  /** Sends one email. Default: logs it to the console. */
  send?: SendWelcomeEmail;
}

const logEmail: SendWelcomeEmail = (email) => {
  console.log(`welcome email to ${email.email} (event ${email.eventId})`);
};

/** The email a `created` event asks for, or null when there is nothing to send. */
export function welcomeEmailFor(event: SequinEvent<Contact>): WelcomeEmail | null {
  const email = event.data.Email?.trim();
  if (event.action !== "created" || !email) return null;
  return {
    eventId: event.id,
    recordId: event.record_id,
    upstreamId: event.upstream_id,
    email,
    firstName: event.data.FirstName ?? null,
  };
}

/**
 * Records the email and sends it, once per event id. The row and the send share a transaction:
 * - the same event delivered again finds the row and sends nothing (a concurrent redelivery
 *   waits on the uncommitted row, then finds it);
 * - a failed send rolls the row back, so the redelivered event tries again.
 * What is left: a crash between a successful send and COMMIT sends twice on redelivery. Pass
 * `eventId` to a provider that deduplicates to close that gap too.
 * Returns true when this call sent the email.
 */
export async function sendWelcomeEmailOnce(
  db: Pick<pg.Pool, "connect">,
  email: WelcomeEmail,
  send: SendWelcomeEmail,
  signal: AbortSignal,
): Promise<boolean> {
  const conn = await db.connect();
  let broken: Error | undefined;
  try {
    await conn.query("BEGIN");
    const inserted = await conn.query(
      `INSERT INTO welcome_emails (event_id, record_id, upstream_id, email)
       VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
      [email.eventId, email.recordId, email.upstreamId, email.email],
    );
    const isNew = inserted.rowCount === 1;
    if (isNew) await send(email, { signal });
    await conn.query("COMMIT");
    return isNew;
  } catch (error) {
    // A connection whose ROLLBACK fails is discarded rather than returned to the pool.
    await conn.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    conn.release(broken);
  }
}

/** Runs the worker that sends a welcome email for every `created` contact event. */
export function startWelcomeEmails(options: WelcomeEmailsOptions): ConsumerHandle {
  const { client, db, consumer, send = logEmail, ...tuning } = options;
  return runConsumer<Contact>({
    ...tuning,
    client,
    consumer,
    handler: async (message, { signal }) => {
      // `updated` and `deleted` events (and records, which an event consumer never gets) are
      // acked without doing anything.
      const email = "event" in message ? welcomeEmailFor(message.event) : null;
      if (email) await sendWelcomeEmailOnce(db, email, send, signal);
    },
  });
}
