import type { EventMessage, Message, RecordMessage } from "../types.js";

/** True when the message carries a record (from a consumer of kind `record`). */
export function isRecordMessage<Data extends object>(
  message: Message<Data>,
): message is RecordMessage<Data> {
  return "record" in message && message.record !== undefined;
}

/** True when the message carries an event (from a consumer of kind `event`). */
export function isEventMessage<Data extends object>(
  message: Message<Data>,
): message is EventMessage<Data> {
  return "event" in message && message.event !== undefined;
}
