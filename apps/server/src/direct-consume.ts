// The consume operations without HTTP: lease and ack straight on a Db. For benchmarks that
// measure the server's own SQL apart from the HTTP layer; the API is the routes, not this.
export { decodeAckTokens } from "./consume/ack-token.js";
export type { LeaseResult, LeaseTarget } from "./consume/lease.js";
export { ack } from "./consume/settle.js";
export { windowLease as lease } from "./consume/window.js";
