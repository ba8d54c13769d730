// Runs the UDP benchmark (bench/udp_bench.ts) on every runtime, for
// @spectator/client and for hot-shots, against one receiver process
// (bench/udp_receiver.mjs), then the line-formatting benchmark
// (bench/meters_bench.ts), and prints one markdown report: the cases side by
// side, the ratios, the burst figures and the machine. Run it with Node from
// the project root:
//
//   node bench/run.mjs [--quick] [--ops N] [--stretch S] [--rounds R] [--burst B] [--only spectator|hot-shots]
//
// (`npm run bench` and `deno task bench` do the same). The report goes to
// stdout and to .tmp/bench/report.md, every figure to .tmp/bench/results.json,
// progress to stderr. A run that fails or times out shows as "failed" in the
// report; the script exits non-zero only when it cannot build or start the
// receiver.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const deno = bin("deno");
const bun = bin("bun");

// ---------------------------------------------------------------- settings

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : undefined;
}
const quick = process.argv.includes("--quick");
const settings = {
  ops: Number(option("ops") ?? (quick ? 5000 : 30_000)),
  stretch: Number(option("stretch") ?? 1000),
  rounds: Number(option("rounds") ?? (quick ? 2 : 5)),
  burst: Number(option("burst") ?? (quick ? 100_000 : 1_000_000)),
};
const only = option("only");
/** The longest one benchmark process may run. */
const RUN_TIMEOUT_MS = 240_000;

const SPECTATOR_SCRIPT = "bench/udp_bench.ts";
const NODE_SCRIPT = "dist/bench/udp_bench.js";
/** Every run: which client, on which runtime, and the command that runs it. */
const RUNS = [
  {
    id: "spectator/deno",
    client: "spectator",
    runtime: "Deno",
    command: [deno, "run", "-A", "--v8-flags=--expose-gc", SPECTATOR_SCRIPT],
  },
  {
    id: "spectator/deno-unstable",
    client: "spectator",
    // Without FFI: Deno's own UDP socket, to compare with the C-library route of the run above.
    runtime: "Deno --unstable-net --deny-ffi",
    command: [deno, "run", "-A", "--deny-ffi", "--unstable-net", "--v8-flags=--expose-gc", SPECTATOR_SCRIPT],
  },
  { id: "spectator/bun", client: "spectator", runtime: "Bun", command: [bun, SPECTATOR_SCRIPT] },
  { id: "spectator/node", client: "spectator", runtime: "Node", command: ["node", "--expose-gc", NODE_SCRIPT] },
  ...["hot-shots", "hot-shots-buffered"].flatMap((client) => [
    { id: `${client}/node`, client, runtime: "Node", command: ["node", "--expose-gc", NODE_SCRIPT] },
    { id: `${client}/bun`, client, runtime: "Bun", command: [bun, SPECTATOR_SCRIPT] },
    {
      id: `${client}/deno`,
      client,
      runtime: "Deno",
      command: [deno, "run", "-A", "--v8-flags=--expose-gc", SPECTATOR_SCRIPT],
    },
  ]),
].filter((run) => only === undefined || run.client.startsWith(only));

const CLIENT_LABEL = {
  "spectator": "@spectator/client",
  "hot-shots": "hot-shots",
  "hot-shots-buffered": "hot-shots 8K",
};
const CASE_LABEL = {
  hot: "(a) hot counter `increment()`",
  tagged: "(b) counter made per call, 2 tags",
  timer: "(c) timer `record()`",
  aggregated: "(d) pre-aggregated counter",
  burst: "(e) sync burst, per update",
};
const TIMED_CASES = ["hot", "tagged", "timer", "aggregated"];

const childEnv = { ...process.env, NO_COLOR: "1" };
for (const name of ["SPECTATOR_OUTPUT_LOCATION", "TITUS_CONTAINER_NAME", "NETFLIX_PROCESS_NAME"]) delete childEnv[name];

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------- processes

/** Runs `command` to completion (or `timeoutMs`), passing its stderr through; resolves with its stdout. */
function runProcess(command, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command[0], command.slice(1), { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
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

/** Starts the receiver and reads the address it prints. */
async function startReceiver() {
  const child = spawn("node", ["bench/udp_receiver.mjs"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const answers = [];
  const first = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the receiver exited with ${code}`)));
  });
  lines.on("line", (line) => answers.shift()?.(JSON.parse(line)));
  const address = JSON.parse(first);
  return {
    ...address,
    request: (command) =>
      new Promise((resolve) => {
        answers.push(resolve);
        child.stdin.write(`${command}\n`);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill(), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end("quit\n");
      }),
  };
}

function commandOutput(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8", env: childEnv });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function machine(receiver) {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const rmemMax = (() => {
    try {
      return Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
    } catch {
      return undefined;
    }
  })();
  return {
    nproc: commandOutput("nproc", []) ?? String(os.availableParallelism()),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    kernel: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    deno: commandOutput(deno, ["--version"])?.split("\n")[0],
    bun: commandOutput(bun, ["--version"]),
    node: process.version,
    hotShots: JSON.parse(readFileSync(join(root, "node_modules/hot-shots/package.json"), "utf8")).version,
    rmemMax,
    receiverRcvbuf: receiver.rcvbuf,
    commit: commandOutput("git", ["-C", root, "rev-parse", "--short", "HEAD"]),
    dirty: (commandOutput("git", ["-C", root, "status", "--porcelain", "--", "mod.ts", "src"]) ?? "") !== "",
  };
}

// ---------------------------------------------------------------- formatting

const runLabel = (run) => `${CLIENT_LABEL[run.client]} ${run.runtime}`;

function ns(value) {
  if (value === undefined) return "?";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} µs`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} µs`;
  return `${value.toFixed(value >= 100 ? 0 : 1)} ns`;
}

function count(value) {
  if (value === undefined || value === null) return "?";
  if (value >= 1e6) return `${(value / 1e6).toFixed(value % 1e6 === 0 ? 0 : 2)}M`;
  if (value >= 1e4) return `${Math.round(value / 1000)}k`;
  return String(value);
}

function bytes(value) {
  if (value >= 2 ** 20 && value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
  return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
}

function failure(result) {
  if (result === undefined) return "not run";
  if (result.status === "failed") return `failed: ${firstLine(result.note)}`;
  return undefined;
}

function firstLine(text) {
  return String(text ?? "").split("\n")[0].slice(0, 120);
}

/** A main-table cell: ns/op, then what went wrong with delivery, if anything. */
function caseCell(run, name) {
  if (run.error) return "failed";
  const result = run.result.cases[name];
  const failed = failure(result);
  if (failed) return failed;
  if (result.status === "n/a") return `n/a (${result.note ?? ""})`;
  const parts = [ns(result.nsPerOp)];
  const delivered = result.delivered;
  if (name === "aggregated") {
    const sumOk = delivered.valueSum === result.ops;
    parts.push(`${delivered.lines} lines, sum ${sumOk ? "ok" : `${delivered.valueSum} of ${result.ops}`}`);
  } else if (name === "burst") {
    if (result.ops < settings.burst) parts.push(`stopped at ${count(result.ops)}`);
    if (delivered.lines < result.ops) parts.push(`${percent(delivered.lines, result.ops)} delivered`);
  } else if (delivered.lines < result.expectedLines) {
    parts.push(`${percent(delivered.lines, result.expectedLines)} delivered`);
  }
  if (result.clientDrops > 0) {
    parts.push(`${count(result.clientDrops)} ${run.client === "spectator" ? "dropped" : "errors"}`);
  }
  if (delivered.kernelDrops > 0) parts.push(`${count(delivered.kernelDrops)} kernel drops`);
  return parts.join(" · ");
}

function percent(part, whole) {
  return `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)}%`;
}

function deliveryCell(run, name) {
  if (run.error) return "failed";
  const result = run.result.cases[name];
  if (failure(result) || result.delivered === undefined) return "–";
  const d = result.delivered;
  return `${count(d.lines)} / ${count(d.datagrams)} / ${bytes(d.largest)}`;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function ratio(ours, theirs) {
  if (ours === undefined || theirs === undefined || ours <= 0) return "–";
  const r = theirs / ours;
  return r >= 1 ? `${r.toFixed(r >= 10 ? 0 : 1)}x faster` : `${(1 / r).toFixed(1)}x slower`;
}

/** ns/op of a case, or undefined when it did not run properly. */
function figure(run, name) {
  const result = run?.result?.cases?.[name];
  return result?.status === "ok" ? result.nsPerOp : undefined;
}

function report(runs, meters, info, seconds) {
  const out = [];
  const ok = runs.filter((run) => !run.error);
  out.push(`# UDP benchmark: @spectator/client vs hot-shots`);
  out.push("");
  out.push(
    `Each case: ${settings.rounds} timed rounds (after 1 warm-up) of ${count(settings.ops)} updates, made in ` +
      `synchronous stretches of ${settings.stretch} with one event-loop turn after each; ns/op is the median round ` +
      `(stretches and turns, not the wait for delivery). Lines go over loopback UDP to a receiver in another process. ` +
      `The burst is ${count(settings.burst)} updates of the hot counter in one synchronous run.`,
  );
  out.push("");
  out.push("## Cost per update (ns/op), and delivery where something was lost");
  out.push("");
  out.push(table(
    ["case", ...runs.map(runLabel)],
    [
      ...[...TIMED_CASES, "burst"].map((name) => [CASE_LABEL[name], ...runs.map((run) => caseCell(run, name))]),
      [
        "harness only (empty stretch + turn)",
        ...runs.map((run) => (run.error ? "failed" : ns(run.result.harnessNsPerOp))),
      ],
      [
        "inside the sync stretches, (a)",
        ...runs.map((run) => (run.error ? "–" : ns(run.result.cases.hot?.syncNsPerOp))),
      ],
      ["transport", ...runs.map((run) => (run.error ? firstLine(run.error) : run.result.transport))],
    ],
  ));
  out.push("");
  out.push(
    "Cells show what was lost: `97.1% delivered` (lines the receiver counted), `N dropped` (the client's own " +
      "`droppedLines`), `N errors` (hot-shots send errors), `N kernel drops` (datagrams the receiving socket lost, " +
      "from /proc/net/udp). (d) is checked by adding up the delivered counter values.",
  );
  out.push("");
  out.push("## Delivery per case: lines received / datagrams / largest datagram");
  out.push("");
  out.push(table(
    ["case", ...runs.map(runLabel)],
    [...TIMED_CASES, "burst"].map((name) => [CASE_LABEL[name], ...runs.map((run) => deliveryCell(run, name))]),
  ));
  out.push("");

  out.push("## @spectator/client vs hot-shots, same runtime (ns/op ratios)");
  out.push("");
  const byId = Object.fromEntries(ok.map((run) => [run.id, run]));
  const pairs = [];
  for (
    const [ours, runtime] of [
      ["spectator/node", "node"],
      ["spectator/bun", "bun"],
      ["spectator/deno", "deno"],
      ["spectator/deno-unstable", "deno"],
    ]
  ) {
    for (const theirs of ["hot-shots", "hot-shots-buffered"]) {
      if (byId[ours] && byId[`${theirs}/${runtime}`]) pairs.push([byId[ours], byId[`${theirs}/${runtime}`]]);
    }
  }
  if (pairs.length > 0) {
    for (const [ours, theirs] of pairs.filter(([, theirs]) => theirs.client === "hot-shots")) {
      out.push(
        `- @spectator/client hot counter vs hot-shots default on ${ours.runtime}: ` +
          `**${ratio(figure(ours, "hot"), figure(theirs, "hot"))}** ` +
          `(${ns(figure(ours, "hot"))} vs ${ns(figure(theirs, "hot"))})`,
      );
    }
    out.push("");
    out.push(table(
      ["case", ...pairs.map(([ours, theirs]) => `${ours.runtime}: vs ${CLIENT_LABEL[theirs.client]}`)],
      [...TIMED_CASES, "burst"].map((name) => [
        CASE_LABEL[name],
        ...pairs.map(([ours, theirs]) => ratio(figure(ours, name), figure(theirs, name))),
      ]),
    ));
  } else {
    out.push("No runtime has results for both clients.");
  }
  out.push("");

  out.push(`## Burst of ${count(settings.burst)} updates`);
  out.push("");
  const burstRows = [];
  for (const run of ok) {
    const burst = run.result.cases.burst;
    if (burst === undefined) continue;
    const variants = [[burst, ""], ...(burst.generous ? [[burst.generous, " (generous)"]] : [])];
    for (const [b, suffix] of variants) {
      if (b.status !== "ok") {
        burstRows.push([runLabel(run) + suffix, failure(b) ?? b.status, ...Array(10).fill("–")]);
        continue;
      }
      const d = b.delivered;
      burstRows.push([
        runLabel(run) + suffix,
        count(b.ops),
        ns(b.nsPerOp),
        `${b.heapGrowthMB.toFixed(1)}${b.forcedGc ? "" : " (no forced GC)"}`,
        b.externalGrowthMB.toFixed(1),
        b.heapRetainedMB.toFixed(1),
        count(b.clientDrops),
        count(d.kernelDrops),
        `${count(d.lines)} (${percent(d.lines, b.ops)})`,
        `${bytes(d.largest)}${d.largest > 65507 ? " **over 65507**" : ""}`,
        `${Math.round(b.deliveryMs)}`,
        run.client === "spectator"
          ? (b.maxPendingBytes === "default" ? "default (4 MiB)" : bytes(b.maxPendingBytes))
          : "–",
      ]);
      if (b.note) burstRows[burstRows.length - 1][0] += ` ¹`;
    }
  }
  out.push(table(
    [
      "runtime / client",
      "updates",
      "ns/op",
      "heap growth MB",
      "external growth MB",
      "heap after delivery MB",
      "client drops",
      "kernel drops",
      "lines delivered",
      "largest datagram",
      "delivery ms",
      "maxPendingBytes",
    ],
    burstRows,
  ));
  out.push("");
  out.push(
    "Heap growth: `heapUsed` right after the burst minus before it, both after a forced GC " +
      "(`--expose-gc` on Node and Deno, `Bun.gc(true)`); external growth: the same for `external` (ArrayBuffer " +
      "contents, e.g. datagrams waiting to be sent, which `heapUsed` leaves out); heap after delivery: `heapUsed` " +
      "once the lines arrived. " +
      "Client drops: the client's own `droppedLines` (spectator) or send errors (hot-shots). Delivery ms: from the " +
      "end of the burst until the receiver had every line (or stopped getting more). The socket was opened before " +
      "the burst. A generous row repeats a burst that dropped lines with `maxPendingBytes` 256 MiB.",
  );
  const notes = ok.flatMap((run) => {
    const burst = run.result.cases.burst;
    return [burst, burst?.generous].filter((b) => b?.note).map((b) => `${runLabel(run)}: ${b.note}`);
  });
  if (notes.length > 0) out.push("", ...notes.map((note) => `¹ ${note}`));
  out.push("");

  const otherNotes = ok.flatMap((run) =>
    TIMED_CASES.filter((name) => run.result.cases[name]?.note && run.result.cases[name].status !== "failed")
      .map((name) => `- ${runLabel(run)}, ${CASE_LABEL[name]}: ${run.result.cases[name].note}`)
  );
  const failures = runs.filter((run) => run.error).map((run) => `- ${runLabel(run)}: ${run.error}`);
  if (otherNotes.length + failures.length > 0) {
    out.push("## Notes and failures", "", ...otherNotes, ...failures, "");
  }

  out.push("## Line formatting per meter type (`deno bench bench/meters_bench.ts`, discarding transport)");
  out.push("");
  if (meters.error) {
    out.push(`failed: ${meters.error}`);
  } else {
    out.push(table(
      ["group", "benchmark", "avg", "p75", "min"],
      meters.rows.map((row) => [row.group ?? "", row.name, ns(row.avg), ns(row.p75), ns(row.min)]),
    ));
  }
  out.push("");

  out.push("## Machine");
  out.push("");
  out.push(`- ${info.nproc} cores (nproc), ${info.cpu}, ${info.memoryGiB} GiB, ${info.kernel}`);
  out.push(`- ${info.deno}; Bun ${info.bun}; Node ${info.node}; hot-shots ${info.hotShots}`);
  if (info.commit) {
    out.push(`- code measured: commit ${info.commit}${info.dirty ? " plus uncommitted changes in mod.ts/src" : ""}`);
  }
  out.push(
    `- receiver: Node, SO_RCVBUF ${bytes(info.receiverRcvbuf)} (net.core.rmem_max ${
      info.rmemMax === undefined ? "?" : bytes(info.rmemMax)
    })`,
  );
  out.push(
    `- settings: ${
      count(settings.ops)
    } updates per round, stretches of ${settings.stretch}, ${settings.rounds} timed ` +
      `rounds + 1 warm-up, burst ${count(settings.burst)}; @spectator/client with default options ` +
      `(maxPendingBytes 4 MiB) except the generous burst rows; hot-shots with \`maxBufferSize\` 0 (default) or 8192 (8K)`,
  );
  out.push(
    `- wall time: ${Math.round(seconds)} s; command: \`node bench/run.mjs${
      process.argv.slice(2).map((a) => ` ${a}`).join("")
    }\``,
  );
  return out.join("\n");
}

// ---------------------------------------------------------------- meters bench

async function metersBench() {
  const outcome = await runProcess([deno, "bench", "--json", "bench/meters_bench.ts"], 180_000);
  if (outcome.code !== 0) return { error: outcome.timedOut ? "timed out" : firstLine(outcome.stderrTail) };
  try {
    const json = JSON.parse(outcome.stdout.slice(outcome.stdout.indexOf("{")));
    const rows = json.benches.map((bench) => {
      const ok = bench.results?.[0]?.ok ?? {};
      return { group: bench.group, name: bench.name, avg: ok.avg, p75: ok.p75, min: ok.min };
    });
    return { rows, runtime: json.runtime };
  } catch (error) {
    return { error: `cannot read deno bench --json output: ${error.message}` };
  }
}

// ---------------------------------------------------------------- main

const started = Date.now();
log("building dist/ (node scripts/build_node.mjs)");
const build = spawnSync("node", ["scripts/build_node.mjs"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
if (build.status !== 0) {
  console.error("bench: the build failed");
  process.exit(1);
}
let receiver;
try {
  receiver = await startReceiver();
} catch (error) {
  console.error(`bench: cannot start the receiver: ${error.message}`);
  process.exit(1);
}
log(`receiver on ${receiver.host}:${receiver.port} (control ${receiver.controlPort}, SO_RCVBUF ${receiver.rcvbuf})`);

const runs = [];
let info;
try {
  for (const run of RUNS) {
    const args = [
      "--client",
      run.client,
      "--receiver",
      `${receiver.host}:${receiver.port}:${receiver.controlPort}`,
      "--ops",
      String(settings.ops),
      "--stretch",
      String(settings.stretch),
      "--rounds",
      String(settings.rounds),
      "--burst",
      String(settings.burst),
    ];
    log(`${runLabel(run)}: ${[...run.command, ...args].map((part) => part.replace(root, "")).join(" ")}`);
    const outcome = await runProcess([...run.command, ...args], RUN_TIMEOUT_MS);
    const entry = { ...run, seconds: outcome.seconds };
    const last = outcome.stdout.trim().split("\n").pop() ?? "";
    if (outcome.timedOut) {
      entry.error = `timed out after ${RUN_TIMEOUT_MS / 1000} s`;
    } else if (outcome.error) {
      entry.error = outcome.error.message;
    } else {
      try {
        entry.result = JSON.parse(last);
        if (outcome.code !== 0) entry.note = `exit code ${outcome.code}`;
      } catch {
        const lines = outcome.stderrTail.trim().split("\n");
        const error = lines.find((line) => /error/i.test(line)) ?? lines.pop();
        entry.error = `exit code ${outcome.code}: ${firstLine(error)}`;
      }
    }
    log(`${runLabel(run)}: ${entry.error ?? "done"} in ${outcome.seconds.toFixed(1)} s`);
    runs.push(entry);
  }
} finally {
  info = machine(receiver);
  await receiver.stop();
}

log("deno bench bench/meters_bench.ts");
const meters = await metersBench();
const seconds = (Date.now() - started) / 1000;
const markdown = report(runs, meters, info, seconds);
mkdirSync(join(root, ".tmp/bench"), { recursive: true });
writeFileSync(join(root, ".tmp/bench/report.md"), `${markdown}\n`);
writeFileSync(
  join(root, ".tmp/bench/results.json"),
  `${JSON.stringify({ settings, machine: info, runs, meters, seconds }, null, 2)}\n`,
);
console.log(markdown);
log(`done in ${seconds.toFixed(0)} s; report in .tmp/bench/report.md, figures in .tmp/bench/results.json`);
