// Child processes for the bench orchestrators (bench/run.mjs, bench/e2e.mjs):
// the command that runs a bench script on each runtime, running one to
// completion with a time limit, and what the report says about the machine.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";

/** The project's root directory. */
export const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
export const deno = bin("deno");
export const bun = bin("bun");

/**
 * The runtimes (and Deno's two socket routes) a bench script runs on:
 * `command(script)` runs `bench/<name>.ts` there (Node runs the build in dist/).
 */
export const RUNTIMES = {
  node: {
    label: "Node",
    command: (script) => ["node", "--expose-gc", script.replace(/^bench\/(.+)\.ts$/, "dist/bench/$1.js")],
  },
  bun: { label: "Bun", command: (script) => [bun, script] },
  deno: {
    label: "Deno libc",
    // With --allow-ffi (part of -A) the library reaches sockets through the C library.
    command: (script) => [deno, "run", "-A", "--v8-flags=--expose-gc", script],
  },
  "deno-unstable": {
    label: "Deno own sockets",
    // Without FFI: Deno's own sockets (Deno.listenDatagram, with --unstable-net).
    command: (script) => [deno, "run", "-A", "--deny-ffi", "--unstable-net", "--v8-flags=--expose-gc", script],
  },
};

/** The environment of every child: no color, and none of the variables that would change where lines go or their tags. */
export function childEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1", ...extra };
  for (const name of ["SPECTATOR_OUTPUT_LOCATION", "TITUS_CONTAINER_NAME", "NETFLIX_PROCESS_NAME"]) delete env[name];
  return env;
}

/** Progress on stderr, prefixed with the orchestrator's name. */
export function logger(name) {
  return (message) => process.stderr.write(`${name}: ${message}\n`);
}

/** Transpiles the sources, tests and benchmarks into dist/ for Node; false when that failed. */
export function buildDist() {
  const build = spawnSync("node", ["scripts/build_node.mjs"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  return build.status === 0;
}

/**
 * Runs `command` to completion (or `timeoutMs`), passing its stderr through;
 * resolves with `{ code, stdout, stderrTail, timedOut, error, seconds }`.
 */
export function runProcess(command, timeoutMs, env = childEnv()) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderrTail = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const finish = (code, error) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderrTail, timedOut, error, seconds: (Date.now() - started) / 1000 });
    };
    child.on("error", (error) => finish(null, error));
    child.on("close", (code) => finish(code));
  });
}

/**
 * The JSON object on the last stdout line of a finished run, or `{ error }`
 * saying why there is none (time-out, spawn error, or the run's own error line).
 */
export function lastJson(outcome, timeoutMs) {
  if (outcome.timedOut) return { error: `timed out after ${timeoutMs / 1000} s` };
  if (outcome.error) return { error: outcome.error.message };
  try {
    return { result: JSON.parse(outcome.stdout.trim().split("\n").pop() ?? "") };
  } catch {
    const lines = outcome.stderrTail.trim().split("\n");
    const error = lines.find((line) => /error/i.test(line)) ?? lines.pop();
    return { error: `exit code ${outcome.code}: ${String(error ?? "").slice(0, 200)}` };
  }
}

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** CPU time (user + system) process `pid` has used so far, in seconds; undefined once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The fields after the command name, which sits in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The trimmed stdout of a command that succeeded, else undefined. */
export function commandOutput(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8", env: childEnv() });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The machine, the runtimes and the code measured, for the report. */
export function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: commandOutput("nproc", []) ?? String(os.availableParallelism()),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    kernel: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((value) => value.toFixed(2)).join(", "),
    deno: commandOutput(deno, ["--version"])?.split("\n")[0],
    bun: commandOutput(bun, ["--version"]),
    node: process.version,
    commit: commandOutput("git", ["-C", root, "rev-parse", "--short", "HEAD"]),
    dirty: (commandOutput("git", ["-C", root, "status", "--porcelain", "--", "mod.ts", "src"]) ?? "") !== "",
  };
}

/** The machine as report lines (markdown list items). */
export function machineLines(info) {
  const lines = [
    `- ${info.nproc} cores (nproc), ${info.cpu}, ${info.memoryGiB} GiB, ${info.kernel}`,
    `- load average (1, 5, 15 min) at the start: ${info.loadAverage}; at the end: ${
      os.loadavg().map((value) => value.toFixed(2)).join(", ")
    }`,
    `- ${info.deno}; Bun ${info.bun}; Node ${info.node}`,
  ];
  if (info.commit) {
    lines.push(`- code measured: commit ${info.commit}${info.dirty ? " plus uncommitted changes in mod.ts/src" : ""}`);
  }
  return lines;
}
