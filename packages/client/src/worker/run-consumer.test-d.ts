import { describe, expectTypeOf, it } from "vitest";
import { createClient } from "../client/create-client.js";
import type { Message, SequinEvent, SequinRecord } from "../types.js";
import { runConsumer } from "./run-consumer.js";
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

  it("types next() and lists with the payload", async () => {
    const answer = await client.next<Contact>("contacts", { batch_size: 10 });
    expectTypeOf(answer.data).toEqualTypeOf<Message<Contact>[]>();
    for await (const record of client.records.list<Contact>("stream")) {
      expectTypeOf(record.data).toEqualTypeOf<Contact>();
    }
  });
});
