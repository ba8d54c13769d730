// Runs the whole test suite on every runtime and totals the results:
//   Deno with --unstable-net (native datagram sockets), Deno without it
//   (node:dgram, FFI), Bun, Node 20 on the transpiled build, the npm package
//   (built, packed and installed into a fresh project, then used from Node, Bun,
//   TypeScript and its spectator-agent bin), a fresh clone (the README's commands and
//   every task, after npm ci), and the doc examples.
// Prints each runner's output, a summary per run, and last a plain
// "N passed, N failed" line; exits non-zero when anything failed.
// Run with Node from the project root: node scripts/run_tests.mjs [deno|bun|node|npm|clone|doc ...]
import { spawnSync } from "node:child_process";

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

const runs = [
  {
    name: "deno --unstable-net",
    group: "deno",
    command: [bin("deno"), "test", "-A", "--unstable-net", "tests/"],
    parse: parseDeno,
  },
  { name: "deno", group: "deno", command: [bin("deno"), "test", "-A", "tests/"], parse: parseDeno },
  { name: "bun", group: "bun", command: [bin("bun"), "test", "./tests/"], parse: parseBun },
  {
    name: "node",
    group: "node",
    before: ["node", "scripts/build_node.mjs"],
    command: ["node", "--test", "--test-reporter=spec", "dist/tests/"],
    parse: parseNode,
  },
  {
    name: "npm package",
    group: "npm",
    command: ["node", "--test", "--test-reporter=spec", "tests/npm_package/npm_package.check.mjs"],
    parse: parseNode,
  },
  {
    name: "fresh clone",
    group: "clone",
    command: ["node", "--test", "--test-reporter=spec", "tests/fresh_clone/fresh_clone.check.mjs"],
    parse: parseNode,
  },
  {
    name: "doc examples",
    group: "doc",
    command: [bin("deno"), "test", "-A", "--doc", "mod.ts", "cli.ts", "runtime_metrics.ts", "ipc.ts", "src/"],
    parse: parseDeno,
  },
];

const ANSI_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stripAnsi = (text) => text.replace(ANSI_CODES, "");

function parseDeno(output) {
  const match = /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/.exec(
    output,
  );
  if (!match) return undefined;
  return { passed: Number(match[1]), failed: Number(match[3]) };
}

function parseBun(output) {
  const passed = /^\s*(\d+) pass\s*$/m.exec(output);
  const failed = /^\s*(\d+) fail\s*$/m.exec(output);
  if (!passed || !failed) return undefined;
  return { passed: Number(passed[1]), failed: Number(failed[1]) };
}

function parseNode(output) {
  const passed = /^[#ℹ] pass (\d+)$/m.exec(output);
  const failed = /^[#ℹ] fail (\d+)$/m.exec(output);
  if (!passed || !failed) return undefined;
  return { passed: Number(passed[1]), failed: Number(failed[1]) };
}

function run(command) {
  const result = spawnSync(command[0], command.slice(1), {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  process.stdout.write(output);
  return { status: result.status ?? 1, output: stripAnsi(output), error: result.error };
}

const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? runs : runs.filter((r) => wanted.includes(r.group));
const summary = [];
let passed = 0;
let failed = 0;
for (const { name, before, command, parse } of selected) {
  console.log(`\n=== ${name}: ${command.join(" ")}`);
  if (before && run(before).status !== 0) {
    summary.push(`${name}: build failed`);
    failed++;
    continue;
  }
  const started = Date.now();
  const { status, output, error } = run(command);
  const counts = parse(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (counts === undefined) {
    summary.push(
      `${name}: no summary found (exit ${status}${error ? `, ${error.message}` : ""}), counted as 1 failure`,
    );
    failed++;
    continue;
  }
  // A runner that exits non-zero with no failed test (a crash, a leak) counts as one failure.
  const extra = status !== 0 && counts.failed === 0 ? 1 : 0;
  passed += counts.passed;
  failed += counts.failed + extra;
  summary.push(`${name}: ${counts.passed} passed, ${counts.failed + extra} failed (exit ${status}, ${seconds}s)`);
}
console.log(`\n=== summary\n${summary.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
