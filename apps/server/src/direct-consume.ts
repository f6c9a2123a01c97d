// The consume operations without HTTP: lease and ack straight on a Db. For benchmarks that
// measure the server's own SQL apart from the HTTP layer; the API is the routes, not this.
export { decodeAckTokens } from "./delivery/ack-token.js";
export { ack } from "./delivery/settle.js";
export type { LeaseResult, LeaseTarget } from "./delivery/types.js";
export { windowLease as lease } from "./delivery/window.js";
