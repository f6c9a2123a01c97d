import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const base = { SEQUIN_TOKEN: "sqn_x", DATABASE_URL: "postgres://u@db:5432/app" };

describe("loadConfig", () => {
  it("fills in the defaults", () => {
    expect(loadConfig(base)).toEqual({
      sequinUrl: "http://localhost:7376",
      sequinToken: "sqn_x",
      streamId: undefined,
      databaseUrl: "postgres://u@db:5432/app",
      contactsConsumer: "contacts-sync",
      welcomeConsumer: "contacts-welcome",
    });
  });

  it("takes every setting from the environment", () => {
    const config = loadConfig({
      ...base,
      SEQUIN_URL: "https://sequin.example.com/",
      SEQUIN_STREAM_ID: "4b0a3b4e-5d3c-4c4f-9a43-0e3c6f5b2a11",
      CONTACTS_CONSUMER: "c1",
      WELCOME_CONSUMER: "w1",
    });
    expect(config).toMatchObject({
      sequinUrl: "https://sequin.example.com",
      streamId: "4b0a3b4e-5d3c-4c4f-9a43-0e3c6f5b2a11",
      contactsConsumer: "c1",
      welcomeConsumer: "w1",
    });
  });

  it.each([
    [{ DATABASE_URL: base.DATABASE_URL }, /SEQUIN_TOKEN is required/],
    [{ SEQUIN_TOKEN: "sqn_x", DATABASE_URL: " " }, /DATABASE_URL is required/],
    [{ ...base, SEQUIN_URL: "not a url" }, /SEQUIN_URL is not a URL/],
    [{ ...base, SEQUIN_URL: "localhost:7376" }, /SEQUIN_URL must start with http: or https:/],
    [{ ...base, DATABASE_URL: "mysql://db/app" }, /DATABASE_URL must start with postgres:/],
  ])("rejects %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
