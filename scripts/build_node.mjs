// Transpiles the TypeScript sources, tests, examples and benchmarks to plain JavaScript in dist/,
// the way JSR's npm layer serves the package to Node: one .js file per .ts
// file, relative imports rewritten from .ts to .js, no bundling, no type check
// (deno check does that). Run with Node: node scripts/build_node.mjs
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function typescriptFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const files = [
  "mod.ts",
  "cli.ts",
  "runtime_metrics.ts",
  "ipc.ts",
  ...typescriptFiles("src"),
  ...typescriptFiles("tests"),
  ...typescriptFiles("examples"),
  ...typescriptFiles("bench"),
];
execFileSync(join(root, "node_modules/.bin/tsc"), [
  "--outDir",
  dist,
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
  ...files,
], { cwd: root, stdio: "inherit" });
writeFileSync(join(dist, "package.json"), '{ "type": "module" }\n');
console.log(`built ${files.length} files into dist/`);
