// Runtime validators (zod 4) generated from openapi.yaml. Needs the optional peer dependency `zod`.

// Rules of the API that the schemas cannot express (cross-field), shared by server and mock,
// and how both word errors (details from zod's issues, their summary) and pick request ids.
export {
  ackTokenProblems,
  base64UrlToBytes,
  bytesToBase64Url,
  consumerOrdering,
  consumersTimeout,
  createdRecordProvider,
  decodeAckToken,
  encodeAckToken,
  issuesToDetails,
  JSON_CONTENT_TYPE,
  MAX_JSON_DEPTH,
  queryIntegers,
  REQUEST_ID_PATTERN,
  type RuleProblem,
  requestIdFor,
  storableJsonProblems,
  summarizeDetails,
  unknownAwaitedConsumer,
  unknownUpstreamRecord,
  unmatchedAckTokens,
} from "./api-rules.js";
export { type ApiRoute, apiInfo, apiRoutes } from "./generated/routes.gen.js";
export * from "./generated/zod.gen.js";
export { checkRoute, type RouteVerdict } from "./route-rules.js";
