import type { Scenario } from "../scenario.js";
import { ackNackScenarios } from "./ack-nack.js";
import { authScenarios } from "./auth.js";
import { consumerScenarios } from "./consumers.js";
import { deadLetterScenarios } from "./dead-letters.js";
import { deliverPolicyScenarios } from "./deliver-policy.js";
import { errorScenarios } from "./errors.js";
import { eventScenarios } from "./events.js";
import { expiryScenarios } from "./expiry.js";
import { filterScenarios } from "./filters.js";
import { flowControlScenarios } from "./flow-control.js";
import { idempotencyScenarios } from "./idempotency.js";
import { leasingScenarios } from "./leasing.js";
import { longPollScenarios } from "./long-poll.js";
import { mutationAnswerScenarios } from "./mutation-answers.js";
import { mutationAwaitScenarios } from "./mutation-await.js";
import { mutationScenarios } from "./mutations.js";
import { orderingScenarios } from "./ordering.js";
import { paginationScenarios } from "./pagination.js";
import { pauseScenarios } from "./pause.js";
import { recordWriteScenarios } from "./record-writes.js";
import { recordScenarios } from "./records.js";
import { requestScenarios } from "./requests.js";
import { retryScenarios } from "./retries.js";
import { retryErrorScenarios } from "./retry-errors.js";
import { rewindScenarios } from "./rewind.js";
import { runConsumerScenarios } from "./run-consumer.js";
import { streamScenarios } from "./streams.js";
import { termScenarios } from "./term.js";

/** Every scenario, in report order. Each runs on every target (but where its notOn says). */
export const scenarios: Scenario[] = [
  ...leasingScenarios,
  ...longPollScenarios,
  ...ackNackScenarios,
  ...expiryScenarios,
  ...retryScenarios,
  ...termScenarios,
  ...rewindScenarios,
  ...pauseScenarios,
  ...recordScenarios,
  ...recordWriteScenarios,
  ...eventScenarios,
  ...filterScenarios,
  ...deliverPolicyScenarios,
  ...streamScenarios,
  ...consumerScenarios,
  ...deadLetterScenarios,
  ...orderingScenarios,
  ...flowControlScenarios,
  ...authScenarios,
  ...errorScenarios,
  ...retryErrorScenarios,
  ...requestScenarios,
  ...paginationScenarios,
  ...idempotencyScenarios,
  ...mutationScenarios,
  ...mutationAwaitScenarios,
  ...mutationAnswerScenarios,
  ...runConsumerScenarios,
];
