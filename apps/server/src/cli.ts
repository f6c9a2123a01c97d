#!/usr/bin/env node
// The `sequin-server` bin. The commands live in cli-commands.ts.
import { runCli } from "./cli-commands.js";

const argv = process.argv.slice(2);
runCli(argv).then((code) => {
  // `start` keeps the process alive with its server; every other command is done.
  if (code !== 0 || argv[0] !== "start") process.exit(code);
});
