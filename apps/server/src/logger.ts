import pino, { type Logger } from "pino";

/** JSON logs on stdout, as pino writes them. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "sequin-server" } });
}
