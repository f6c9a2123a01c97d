// Finds the code blocks of the READMEs and turns them into the files of one small app per README,
// so they can be compiled (check-snippets.mjs) and run (test/) the way a user's app would.
//
// Marker convention: an HTML comment right before a fence (blank lines allowed between), invisible
// when the markdown is rendered:
//
//   <!-- snippet: name quickstart -->           other blocks can continue this one
//   <!-- snippet: continues quickstart -->      this block is compiled after that one's code
//   <!-- snippet: file src/contacts-sync.ts --> this block is that file of the app (a ```prisma
//                                               block with `file prisma/schema.prisma` too)
//
// Directives combine, separated by ";". Lines after the first line of the comment are TypeScript
// the block needs but the reader does not (e.g. `declare const streamId: string;`), compiled
// before the block. Every other ```ts block is a file of its own.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** README.md at the root and in every workspace folder that has one. */
export function readmeFiles() {
  const files = ["README.md"];
  for (const folder of ["packages", "apps", "examples"]) {
    for (const entry of readdirSync(join(repoRoot, folder), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(folder, entry.name, "README.md");
      try {
        readFileSync(join(repoRoot, path));
        files.push(path);
      } catch {
        // a package without a README
      }
    }
  }
  return files;
}

const FENCE = /^```(\w*)\s*$/;
const MARKER = /^<!--\s*snippet:([\s\S]*?)-->\s*$/;

/**
 * @typedef {{ readme: string, line: number, lang: string, code: string, name?: string,
 *   continues?: string, file?: string, hidden: string, hiddenLine: number }} Block
 */

/** Every fenced block of `readme` with its language, 1-based line of the fence and its marker. */
export function blocksOf(readme) {
  const lines = readFileSync(join(repoRoot, readme), "utf8").split("\n");
  /** @type {Block[]} */
  const blocks = [];
  /** @type {{ text: string, line: number } | undefined} */
  let marker;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("<!--") && line.includes("snippet:")) {
      let end = i;
      while (!(lines[end] ?? "").includes("-->") && end < lines.length - 1) end++;
      const text = lines.slice(i, end + 1).join("\n");
      const match = MARKER.exec(text);
      if (!match) throw new Error(`${readme}:${i + 1}: a snippet marker must end with -->`);
      marker = { text: match[1] ?? "", line: i + 1 };
      i = end;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const start = i;
      i++;
      while (i < lines.length && !(lines[i] ?? "").startsWith("```")) i++;
      blocks.push({
        readme,
        line: start + 1,
        lang: fence[1] ?? "",
        code: lines.slice(start + 1, i).join("\n"),
        hidden: "",
        hiddenLine: marker?.line ?? start + 1,
        ...(marker ? parseMarker(marker.text, readme, marker.line) : {}),
      });
      marker = undefined;
      continue;
    }
    if (line.trim() !== "") marker = undefined;
  }
  return blocks;
}

function parseMarker(text, readme, line) {
  const [first = "", ...rest] = text.split("\n");
  /** @type {{ name?: string, continues?: string, file?: string, hidden: string }} */
  const parsed = { hidden: rest.join("\n") };
  for (const directive of first.split(";")) {
    const [key, value, extra] = directive.trim().split(/\s+/);
    if (!key) continue;
    if (!value || extra || !["name", "continues", "file"].includes(key)) {
      throw new Error(
        `${readme}:${line}: unknown snippet directive "${directive.trim()}" (name X, continues X, file PATH)`,
      );
    }
    parsed[/** @type {"name" | "continues" | "file"} */ (key)] = value;
  }
  return parsed;
}

/** Where a line of a generated file came from. */
/** @typedef {{ readme: string, line: number, block: number }} Origin */

/**
 * The app of one README: file path (relative to the app) -> its text and, per line, the README
 * line it came from. A block that continues another gets that block's code (and its context) first.
 */
export function appOf(readme) {
  const blocks = blocksOf(readme);
  const named = new Map(blocks.filter((b) => b.name).map((b) => [b.name, b]));
  /** @type {Map<string, { text: string, origins: Origin[] }>} */
  const files = new Map();
  const withContext = (/** @type {Block} */ block, seen = new Set()) => {
    /** @type {{ text: string, origin: Origin }[]} */
    let lines = [];
    if (block.continues) {
      const base = named.get(block.continues);
      if (!base) {
        throw new Error(
          `${readme}:${block.line}: continues "${block.continues}", but no block is named so`,
        );
      }
      if (seen.has(base)) throw new Error(`${readme}:${block.line}: snippets continue in a circle`);
      seen.add(block);
      lines = withContext(base, seen);
    }
    if (block.hidden.trim()) {
      for (const text of block.hidden.split("\n")) {
        lines.push({ text, origin: { readme, line: block.hiddenLine, block: block.line } });
      }
    }
    block.code.split("\n").forEach((text, index) => {
      lines.push({ text, origin: { readme, line: block.line + 1 + index, block: block.line } });
    });
    return lines;
  };
  for (const block of blocks) {
    const isTs = block.lang === "ts" || block.lang === "typescript";
    if (!isTs && !block.file) continue;
    const path = block.file ?? `readme-line-${block.line}.ts`;
    const lines = isTs ? withContext(block) : withContext({ ...block, continues: undefined });
    // Every snippet is a module (top-level await, no clash of names between snippets).
    if (isTs)
      lines.push({ text: "export {};", origin: { readme, line: block.line, block: block.line } });
    files.set(path, {
      text: `${lines.map((l) => l.text).join("\n")}\n`,
      origins: lines.map((l) => l.origin),
    });
  }
  return files;
}

/** A folder name for the app of a README: "README.md" -> "root", "apps/server/README.md" -> "apps-server". */
export function appFolder(readme) {
  const dir = relative(".", join(readme, ".."));
  return dir === "" ? "root" : dir.replaceAll("/", "-");
}

/** The TypeScript of the block named `name` in `readme`, with the blocks it continues. */
export function namedSnippet(readme, name) {
  const block = blocksOf(readme).find((b) => b.name === name);
  if (!block) throw new Error(`${readme} has no block marked <!-- snippet: name ${name} -->`);
  const app = appOf(readme);
  const file = app.get(block.file ?? `readme-line-${block.line}.ts`);
  if (!file) throw new Error(`${readme}:${block.line}: the block named ${name} is not TypeScript`);
  return file.text;
}
