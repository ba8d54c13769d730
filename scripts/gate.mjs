// The gate: every check a change must pass, in one command (deno task ok).
// Static checks first (format, lint, type check, doc lint, JSR publish dry
// run), then the test suite on every runtime (scripts/run_tests.mjs), whose
// last line is the "N passed, N failed" total. Exits non-zero on any failure.
import { spawnSync } from "node:child_process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;

const steps = [
  ["format", [deno, "fmt", "--check"]],
  ["live view assets up to date", ["node", "scripts/build_ui_assets.mjs", "--check"]],
  ["lint", [deno, "lint"]],
  ["type check", [
    deno,
    "check",
    "mod.ts",
    "cli.ts",
    "runtime_metrics.ts",
    "ipc.ts",
    "src/",
    "tests/",
    "examples/",
    "bench/",
  ]],
  ["doc lint", [deno, "doc", "--lint", "mod.ts", "cli.ts", "runtime_metrics.ts", "ipc.ts"]],
  ["README examples", [deno, "check", "--doc-only", "README.md"]],
  ["publish dry run", [deno, "publish", "--dry-run", "--allow-dirty"]],
  ["tests", ["node", "scripts/run_tests.mjs"]],
];

for (const [name, command] of steps) {
  console.log(`\n=== gate: ${name}`);
  const result = spawnSync(command[0], command.slice(1), { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`gate: ${name} failed (exit ${result.status ?? result.error?.message})`);
    if (name !== "tests") console.log("0 passed, 1 failed");
    process.exit(1);
  }
}
