// Shared by the build scripts: the repository root, the library's TypeScript files, and one tsc run that transpiles
// TypeScript files to JavaScript the way JSR's npm layer serves the package to Node: one .js file per .ts file,
// relative imports rewritten from .ts to .js, no bundling, no type check (deno check does that).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root, with a trailing slash. */
export const root = new URL("..", import.meta.url).pathname;

/** deno.json, which names the package, its version, license and entry points. */
export const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));

/** The .ts files below `dir` (relative to the root), recursively. */
export function typescriptFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The library's files: the entry points of deno.json's `exports` and everything in src/. */
export function libraryFiles() {
  const entryPoints = Object.values(denoJson.exports).map((path) => path.replace(/^\.\//, ""));
  return [...entryPoints, ...typescriptFiles("src")];
}

/**
 * Transpiles `files` (relative to the root) into `outDir`, keeping their paths. With `declaration`, also writes a
 * .d.ts file per .ts file, with its relative imports rewritten to .js too (tsc keeps them as written).
 */
export function transpile(outDir, files, { declaration = false } = {}) {
  execFileSync(join(root, "node_modules/.bin/tsc"), [
    "--outDir",
    outDir,
    "--rootDir",
    root,
    "--target",
    "es2022",
    "--module",
    "esnext",
    "--moduleResolution",
    "bundler",
    "--rewriteRelativeImportExtensions",
    "--noCheck",
    "--skipLibCheck",
    "--types",
    "node",
    ...(declaration ? ["--declaration"] : []),
    ...files,
  ], { cwd: root, stdio: "inherit" });
  if (declaration) {
    for (const file of files) rewriteDeclarationImports(join(outDir, file.replace(/\.ts$/, ".d.ts")));
  }
}

// A relative `from "./x.ts"` or `import("./x.ts")`, and a line of a comment (doc examples keep their text).
const RELATIVE_TS_IMPORT = /(\bfrom\s+|\bimport\()"(\.\.?\/[^"]*)\.ts"/g;
const COMMENT_LINE = /^\s*(?:\/\*|\*|\/\/)/;

/** Rewrites the relative .ts imports of a declaration file to .js, as Node's module resolution expects. */
function rewriteDeclarationImports(path) {
  const lines = readFileSync(path, "utf8").split("\n");
  const rewritten = lines.map((line) => COMMENT_LINE.test(line) ? line : line.replace(RELATIVE_TS_IMPORT, '$1"$2.js"'));
  writeFileSync(path, rewritten.join("\n"));
}
