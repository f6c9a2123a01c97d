// Configuration from the environment, checked once at start-up so a typo fails fast and clearly.

/** Everything the service needs to run. */
export interface Config {
  /** Root URL of the Sequin API. Env `SEQUIN_URL`, default `http://localhost:7376`. */
  sequinUrl: string;
  /** API token. Env `SEQUIN_TOKEN`, required. */
  sequinToken: string;
  /** The stream to consume; env `SEQUIN_STREAM_ID`. Default: the account's `default` stream. */
  streamId: string | undefined;
  /** This service's own Postgres. Env `DATABASE_URL`, required. */
  databaseUrl: string;
  /** Record consumer that feeds the `contacts` table. Env `CONTACTS_CONSUMER`, default `contacts-sync`. */
  contactsConsumer: string;
  /** Event consumer that sends welcome emails. Env `WELCOME_CONSUMER`, default `contacts-welcome`. */
  welcomeConsumer: string;
}

/** The collection this service syncs. */
export const CONTACT_COLLECTION = "salesforce:contact";

/** A missing or malformed setting. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required (see README.md)`);
  return value;
}

function url(name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${value}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(" or ")}//: ${value}`);
  }
  // Kept as given (a trailing slash aside): re-serializing could re-encode a password.
  return value.replace(/\/$/, "");
}

/** Reads the configuration from `env` (default `process.env`). Throws `ConfigError`. */
export function loadConfig(env: Env = process.env): Config {
  return {
    sequinUrl: url("SEQUIN_URL", env.SEQUIN_URL?.trim() || "http://localhost:7376", [
      "http:",
      "https:",
    ]),
    sequinToken: required(env, "SEQUIN_TOKEN"),
    streamId: env.SEQUIN_STREAM_ID?.trim() || undefined,
    databaseUrl: url("DATABASE_URL", required(env, "DATABASE_URL"), ["postgres:", "postgresql:"]),
    contactsConsumer: env.CONTACTS_CONSUMER?.trim() || "contacts-sync",
    welcomeConsumer: env.WELCOME_CONSUMER?.trim() || "contacts-welcome",
  };
}
