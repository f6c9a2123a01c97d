// Typechecks every ```ts block of the READMEs as an app would compile it: each README becomes a
// small ESM app (under .snippets/) that imports @sequin/client by name, through its exports map,
// compiled with strict, module and moduleResolution NodeNext. Errors name the README and line.
// Marker convention for blocks that need context: see snippets.mjs.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { appFolder, appOf, readmeFiles } from "./snippets.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = join(here, ".snippets");
const bin = (name) => join(here, "node_modules", ".bin", name);

// An app has one drizzle-orm; the workspace holds several copies of it (one per set of peers
// pnpm resolved), and two copies' classes are not assignable to each other. The app's imports
// use the copy that @sequin/client's types were built against, as one install would.
const clientDrizzle = realpathSync(join(here, "../../packages/client/node_modules/drizzle-orm"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "package.json"), `${JSON.stringify({ type: "module" }, null, 2)}\n`);
writeFileSync(
  join(out, "tsconfig.json"),
  `${JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        paths: {
          "drizzle-orm": [`${clientDrizzle}/index.d.ts`],
          "drizzle-orm/*": [`${clientDrizzle}/*/index.d.ts`],
        },
      },
      include: ["**/*.ts"],
    },
    null,
    2,
  )}\n`,
);

/** generated path (relative to .snippets) -> per-line origin in a README */
const origins = new Map();
let snippetCount = 0;
for (const readme of readmeFiles()) {
  const folder = appFolder(readme);
  let app;
  try {
    app = appOf(readme);
  } catch (error) {
    // A marker that names no block, or one that is malformed: the message names README and line.
    console.error(`README snippets: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
  for (const [path, file] of app) {
    const target = join(out, folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    origins.set(relative(out, target).split(sep).join("/"), file.origins);
    if (path.endsWith(".ts")) snippetCount++;
  }
  // A README that shows a Prisma schema gets its client generated, as its reader would.
  const schema = join(out, folder, "prisma", "schema.prisma");
  if (existsSync(schema)) {
    execFileSync(bin("prisma"), ["generate"], {
      cwd: join(out, folder),
      stdio: "pipe",
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
    });
  }
}

const tsc = spawnSync(bin("tsc"), ["-p", "tsconfig.json", "--pretty", "false"], {
  cwd: out,
  encoding: "utf8",
});
const output = `${tsc.stdout}${tsc.stderr}`.trim();
if (tsc.status === 0) {
  console.log(`README snippets: ${snippetCount} TypeScript files compile (strict, NodeNext).`);
  process.exit(0);
}

// "root/readme-line-19.ts(30,7): error TS2339: ..." -> "README.md:48: error TS2339: ... (block at line 19)"
const LOCATION = /^(.+?)\((\d+),(\d+)\): (.*)$/;
// A block that others continue is compiled in each of their files: report its errors once.
// Lines that do not start with a location continue the error before them.
const messages = [];
for (const line of output.split("\n")) {
  const match = LOCATION.exec(line);
  if (!match) {
    if (messages.length > 0) messages[messages.length - 1] += `\n${line}`;
    else messages.push(line);
    continue;
  }
  const [, file = "", row = "0", column, text] = match;
  const origin = origins.get(file.split(sep).join("/"))?.[Number(row) - 1];
  messages.push(
    origin
      ? `${origin.readme}:${origin.line}: ${text} (in the \`\`\`ts block at line ${origin.block})`
      : `tests/readme/.snippets/${file}:${row}:${column}: ${text}`,
  );
}
console.error(
  `README snippets do not compile as an app using @sequin/client would (strict, NodeNext):\n\n${[...new Set(messages)].join("\n")}\n\nThe compiled apps are in tests/readme/.snippets/.`,
);
process.exit(1);
