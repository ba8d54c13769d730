// Transpiles the TypeScript sources, tests, examples, benchmarks and the SpectatorD runner they share
// (scripts/spectatord/agent.ts) to plain JavaScript in dist/,
// the way JSR's npm layer serves the package to Node: one .js file per .ts
// file, relative imports rewritten from .ts to .js, no bundling, no type check
// (deno check does that). Run with Node: node scripts/build_node.mjs
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { libraryFiles, root, transpile, typescriptFiles } from "./transpile.mjs";

const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const files = [
  ...libraryFiles(),
  ...typescriptFiles("tests"),
  ...typescriptFiles("examples"),
  ...typescriptFiles("bench"),
  ...typescriptFiles("scripts/spectatord"),
];
transpile(dist, files);
writeFileSync(join(dist, "package.json"), '{ "type": "module" }\n');
console.log(`built ${files.length} files into dist/`);
