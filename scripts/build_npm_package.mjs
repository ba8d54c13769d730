// Builds an npm package of the library in dist-npm/: the same transpiled JavaScript that JSR's npm layer serves, with
// a .d.ts file per module, and a package.json with a `bin` that JSR's generated one lacks (jsr-io/jsr#1237), so that
// `npx spectator-agent` runs cli.ts. Only the library goes in (the entry points of deno.json and src/), no tests,
// examples or benchmarks. Run with Node: node scripts/build_npm_package.mjs, then npm pack dist-npm
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { denoJson, libraryFiles, root, transpile } from "./transpile.mjs";

/** The command name npm links to the CLI entry point. */
const BIN_NAME = "spectator-agent";
/** The CLI entry point, as emitted. */
const CLI_FILE = "cli.js";

const out = join(root, "dist-npm");
rmSync(out, { recursive: true, force: true });
const files = libraryFiles();
transpile(out, files, { declaration: true });
referenceDisposableLib(out);
makeNodeExecutable(join(out, CLI_FILE));

// Each subpath of deno.json's `exports` with its module's path in the package, without extension: ["./ipc", "ipc"].
const entryPoints = Object.entries(denoJson.exports).map(([subpath, path]) => [
  subpath,
  path.replace(/^\.\//, "").replace(/\.ts$/, ""),
]);
const packageJson = {
  name: denoJson.name,
  version: denoJson.version,
  description: "A thin client for Netflix Atlas metrics on Deno, Bun and Node: counters, timers, gauges and " +
    "distribution summaries sent to the local SpectatorD agent. Also a local SpectatorD stand-in, spectator-agent.",
  license: denoJson.license,
  type: "module",
  exports: Object.fromEntries(
    entryPoints.map(([subpath, module]) => [subpath, { types: `./${module}.d.ts`, default: `./${module}.js` }]),
  ),
  bin: { [BIN_NAME]: `./${CLI_FILE}` },
  engines: { node: ">=20" },
  files: [...entryPoints.flatMap(([, module]) => [`${module}.js`, `${module}.d.ts`]), "src/"],
};
writeFileSync(join(out, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
for (const file of ["README.md", "LICENSE"]) copyFileSync(join(root, file), join(out, file));
console.log(`built ${packageJson.name}@${packageJson.version} (${files.length} modules) into ${out}`);

/**
 * Makes each declaration file that names `Disposable`, `AsyncDisposable`, `Symbol.dispose` or `Symbol.asyncDispose`
 * reference TypeScript's `esnext.disposable` library, which declares them: a consumer whose `lib` or `target` stops
 * before it (and who has no @types/node, which declares them too) then still type-checks the package. Deno needs no
 * such reference in the sources, and tsc would not copy one into the declarations, so the build adds it.
 */
function referenceDisposableLib(dir) {
  for (const file of readdirSync(dir, { recursive: true }).filter((path) => path.endsWith(".d.ts"))) {
    const path = join(dir, file);
    const text = readFileSync(path, "utf8");
    if (!/\b(Async)?Disposable\b|\bSymbol\.(async)?[dD]ispose\b/.test(text)) continue;
    writeFileSync(path, `/// <reference lib="esnext.disposable" />\n${text}`);
  }
}

/** Replaces the emitted file's `deno run` shebang with Node's, and makes the file executable. */
function makeNodeExecutable(path) {
  const text = readFileSync(path, "utf8");
  if (!text.startsWith("#!")) throw new Error(`Cannot make ${path} a Node command: it has no shebang line`);
  writeFileSync(path, text.replace(/^#!.*/, "#!/usr/bin/env node"));
  chmodSync(path, 0o755);
}
