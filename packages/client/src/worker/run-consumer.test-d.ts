import { describe, expectTypeOf, it } from "vitest";
import { createClient } from "../client/create-client.js";
import type { Message, SequinEvent, SequinRecord } from "../types.js";
import { runConsumer } from "./run-consumer.js";
import { type Termination, terminate } from "./termination.js";
import type { ConsumerHandle, MessageOutcome } from "./types.js";

interface Contact {
  FirstName: string;
  Email: string;
}

const client = createClient({ baseUrl: "http://localhost:7376", token: "t" });

describe("runConsumer types", () => {
  it("types the payload of records and events", () => {
    const handle = runConsumer<Contact>({
      client,
      consumer: "contacts",
      handler: async (message) => {
        expectTypeOf(message).toEqualTypeOf<Message<Contact>>();
        if ("record" in message) {
          expectTypeOf(message.record).toEqualTypeOf<SequinRecord<Contact>>();
          expectTypeOf(message.record.data.Email).toEqualTypeOf<string>();
        } else {
          expectTypeOf(message.event).toEqualTypeOf<SequinEvent<Contact>>();
          expectTypeOf(message.event.data.FirstName).toEqualTypeOf<string>();
        }
      },
    });
    expectTypeOf(handle).toEqualTypeOf<ConsumerHandle>();
  });

  it("types batch outcomes", () => {
    runConsumer<Contact>({
      client,
      consumer: "contacts",
      batchHandler: (messages) => {
        expectTypeOf(messages).toEqualTypeOf<Message<Contact>[]>();
        return messages.map((m): MessageOutcome => ("record" in m ? "ack" : new Error("no event")));
      },
    });
    runConsumer<Contact>({
      client,
      consumer: "contacts",
      batchHandler: (messages) => new Map(messages.map((m) => [m, "ack" as const])),
    });
    runConsumer<Contact>({
      client,
      consumer: "contacts",
      // @ts-expect-error: an outcome is "ack", "nack" or an Error
      batchHandler: (messages) => messages.map(() => "done"),
    });
  });

  it("types terminate, retryDelayMs and pause", () => {
    expectTypeOf(terminate("no email")).toEqualTypeOf<Termination>();
    expectTypeOf(terminate(new Error("x"))).toEqualTypeOf<Termination>();
    const handle = runConsumer<Contact>({
      client,
      consumer: "contacts",
      retryDelayMs: (deliverCount, error, message) => {
        expectTypeOf(deliverCount).toEqualTypeOf<number>();
        expectTypeOf(error).toEqualTypeOf<unknown>();
        expectTypeOf(message).toEqualTypeOf<Message<Contact>>();
        return deliverCount < 3 ? 1_000 : undefined;
      },
      hooks: {
        onTerminated: (_, termination) => {
          expectTypeOf(termination.reason).toEqualTypeOf<string | undefined>();
        },
      },
      handler: (message) => ("record" in message ? undefined : terminate("no events here")),
    });
    runConsumer<Contact>({
      client,
      consumer: "contacts",
      batchHandler: (messages) =>
        messages.map((m) => (m.deliver_count === 1 ? "ack" : terminate())),
    });
    expectTypeOf(handle.pause).toEqualTypeOf<() => void>();
    expectTypeOf(handle.paused).toEqualTypeOf<boolean>();
    // @ts-expect-error: paused is read-only; pause() and resume() change it
    handle.paused = true;
  });

  it("types next() and lists with the payload", async () => {
    const answer = await client.next<Contact>("contacts", { batch_size: 10 });
    expectTypeOf(answer.data).toEqualTypeOf<Message<Contact>[]>();
    for await (const record of client.records.list<Contact>("stream")) {
      expectTypeOf(record.data).toEqualTypeOf<Contact>();
    }
  });
});
