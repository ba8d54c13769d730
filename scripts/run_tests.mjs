// Runs the whole test suite on every runtime and totals the results:
//   Deno with --unstable-net (native datagram sockets), Deno without it
//   (node:dgram, FFI), Bun, Node 20 on the transpiled build, the npm package
//   (built, packed and installed into a fresh project, then used from Node, Bun,
//   TypeScript and its spectator-agent bin), a fresh clone (the README's commands and
//   every task, after npm ci), the live view in headless chromium (tests/browser/),
//   and the doc examples.
// Then the "real spectatord" tier: the real agent, built by scripts/spectatord/build.mjs (once per machine), judges
// what the client sends on every runtime and route (tests/spectatord/*.check.ts). Each of its runs is a process group
// of its own, killed when the run ends, so no agent a test started outlives it. Where the machine lacks what the build
// needs, the tier is skipped locally and fails in CI (CI or SPECTATOR_REQUIRE_SPECTATORD set); a failed build fails.
// Prints each runner's output, a summary per run, the tier's own "real spectatord: N passed, N failed" line, and last
// a plain "N passed, N failed" line; exits non-zero when anything failed.
// Run with Node from the project root: node scripts/run_tests.mjs [deno|bun|node|npm|clone|browser|doc|spectatord ...]
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { buildSpectatord, SpectatordBuildError } from "./spectatord/build.mjs";

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
    name: "browser",
    group: "browser",
    before: ["node", "scripts/prepare_browser_tests.mjs"],
    command: ["node", "--test", "--test-reporter=spec", "dist/tests/browser/live_view.browser.js"],
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

/** The tier's test files (tests/spectatord/<name>.check.ts) for every mode, for Deno's, and for one mode only. */
const TIER_FILES = ["meters", "burst", "publish", "restart"];
const DENO_TIER_FILES = ["examples"];
const ONCE_TIER_FILES = ["stand_in"];
const tierFiles = (names, extension = "ts", dir = "tests") =>
  names.map((n) => `${dir}/spectatord/${n}.check.${extension}`);

const tierRuns = [
  {
    mode: "deno libc",
    command: [bin("deno"), "test", "-A", ...tierFiles([...TIER_FILES, ...DENO_TIER_FILES, ...ONCE_TIER_FILES])],
    parse: parseDeno,
  },
  {
    mode: "deno sockets",
    command: [
      bin("deno"),
      "test",
      "-A",
      "--unstable-net",
      "--deny-ffi",
      ...tierFiles([...TIER_FILES, ...DENO_TIER_FILES]),
    ],
    parse: parseDeno,
  },
  { mode: "bun", command: [bin("bun"), "test", ...tierFiles(TIER_FILES).map((f) => `./${f}`)], parse: parseBun },
  {
    mode: "node",
    before: ["node", "scripts/build_node.mjs"],
    command: ["node", "--test", "--test-reporter=spec", ...tierFiles(TIER_FILES, "js", "dist/tests")],
    parse: parseNode,
  },
];

/**
 * Runs `before` (if any) and `command` with `execute`, reads the counts from its output with `parse`, and adds its
 * line to `summary`. A run whose output has no summary counts as one failure, and so does one that exits non-zero with
 * no failed test (a crash, a leak).
 */
async function runCounted(name, before, command, parse, summary, execute) {
  console.log(`\n=== ${name}: ${command.join(" ")}`);
  if (before && run(before).status !== 0) {
    summary.push(`${name}: build failed`);
    return { passed: 0, failed: 1, output: "" };
  }
  const started = Date.now();
  const { status, output, error } = await execute(command);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const counts = parse(output);
  if (counts === undefined) {
    summary.push(
      `${name}: no summary found (exit ${status}${error ? `, ${error.message}` : ""}), counted as 1 failure`,
    );
    return { passed: 0, failed: 1, output };
  }
  const extra = status !== 0 && counts.failed === 0 ? 1 : 0;
  summary.push(`${name}: ${counts.passed} passed, ${counts.failed + extra} failed (exit ${status}, ${seconds}s)`);
  return { passed: counts.passed, failed: counts.failed + extra, output };
}

/** Whether a failure to build the agent fails the tier: in CI, and where SPECTATOR_REQUIRE_SPECTATORD is set. */
function spectatordRequired() {
  const set = (name) => !["", "0", "false"].includes(process.env[name] ?? "");
  return set("CI") || set("SPECTATOR_REQUIRE_SPECTATORD");
}

/** The running tier process group, killed on the way out whatever happens. */
let runningGroup;
const killGroup = (pid) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group has already gone.
  }
};
process.on("exit", () => runningGroup !== undefined && killGroup(runningGroup));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (runningGroup !== undefined) killGroup(runningGroup);
    process.exit(130);
  });
}

/** Runs a command as the leader of a new process group, printing its output as it comes; kills the group after. */
function runGroup(command, env, timeoutMs = 10 * 60 * 1000) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    runningGroup = child.pid;
    let output = "";
    const collect = (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      output += `\nkilled after ${timeoutMs / 1000} s\n`;
      killGroup(child.pid);
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid);
      runningGroup = undefined;
      resolve({ status: code ?? (signal ? 1 : 0), output: stripAnsi(output) });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      runningGroup = undefined;
      resolve({ status: 1, output: String(error), error });
    });
  });
}

/** Builds the agent and runs the tier on every mode; returns its counts, or why it was skipped. */
async function runTier(summary) {
  let binary;
  try {
    ({ binary } = await buildSpectatord({ log: (message) => console.log(message) }));
  } catch (error) {
    if (!(error instanceof SpectatordBuildError)) throw error;
    // A machine without what the build needs skips it locally; a build that broke fails everywhere.
    if (error.unavailable && !spectatordRequired()) return { skipped: error.message };
    summary.push(`real spectatord: ${error.message}`);
    return { passed: 0, failed: 1, reports: [] };
  }
  let passed = 0;
  let failed = 0;
  const reports = [];
  for (const { mode, before, command, parse } of tierRuns) {
    const env = { SPECTATORD_BIN: binary, SPECTATORD_TIER_MODE: mode };
    const result = await runCounted(
      `real spectatord (${mode})`,
      before,
      command,
      parse,
      summary,
      (c) => runGroup(c, env),
    );
    reports.push(...result.output.split("\n").filter((line) => /^real spectatord (burst|restart):/.test(line)));
    passed += result.passed;
    failed += result.failed;
  }
  return { passed, failed, reports };
}

const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? runs : runs.filter((r) => wanted.includes(r.group));
const summary = [];
let passed = 0;
let failed = 0;
for (const { name, before, command, parse } of selected) {
  const result = await runCounted(name, before, command, parse, summary, run);
  passed += result.passed;
  failed += result.failed;
}
if (wanted.length === 0 || wanted.includes("spectatord")) {
  const tier = await runTier(summary);
  if (tier.skipped !== undefined) {
    summary.push(`real spectatord: skipped (${tier.skipped})`);
  } else {
    summary.push(...tier.reports, `real spectatord: ${tier.passed} passed, ${tier.failed} failed`);
    passed += tier.passed;
    failed += tier.failed;
  }
}
console.log(`\n=== summary\n${summary.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
