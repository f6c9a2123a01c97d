// Entry point: `pnpm start`. Reads the environment, runs until SIGINT / SIGTERM, then drains.
import { startApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await startApp({ config });
  console.log(
    `contacts-sync: consuming ${config.contactsConsumer} and ${config.welcomeConsumer} from ${config.sequinUrl}`,
  );

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C means "now": leases not acked come back to other workers after ack_wait_ms.
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`contacts-sync: ${signal}, draining (again to quit at once)`);
    app.stop().catch(() => {}); // the error, if any, surfaces through app.done below
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  await app.done;
  console.log("contacts-sync: stopped");
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `contacts-sync: ${error.message}` : error);
  process.exitCode = 1;
});
