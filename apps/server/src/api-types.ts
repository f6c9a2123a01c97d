// Wire types of the spec, taken from the generated `components` of @sequin/client.
import type { components } from "@sequin/client";

type Schemas = components["schemas"];

export type AckResponse = Schemas["AckResponse"];
export type Consumer = Schemas["Consumer"];
export type ConsumerCreate = Schemas["ConsumerCreate"];
export type ConsumerInfo = Schemas["ConsumerInfo"];
export type ConsumerUpdate = Schemas["ConsumerUpdate"];
export type DeadLetter = Schemas["DeadLetter"];
export type ErrorCode = Schemas["ErrorCode"];
export type EventInput = Schemas["EventInput"];
export type Message = Schemas["Message"];
export type NextResponse = Schemas["NextResponse"];
export type PeekInfo = Schemas["PeekInfo"];
export type RecordInput = Schemas["RecordInput"];
export type RecordUpsertResult = Schemas["RecordUpsertResult"];
export type RewindRequest = Schemas["RewindRequest"];
export type SequinEvent = Schemas["Event"];
export type SequinRecord = Schemas["Record"];
export type Stream = Schemas["Stream"];
