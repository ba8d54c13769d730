// Runs the UDP benchmark (bench/udp_bench.ts) on every runtime, for
// @spectator/client, Netflix's spectator-js and hot-shots, each in its own
// process, against one receiver process (bench/udp_receiver.mjs); the
// targets' ratios side by side in one process (bench/side_by_side.ts: ours,
// the floor of a folding client and spectator-js taking turns) on every
// runtime; the runtime's floor (bench/floor_bench.ts) on every runtime; then
// the line-formatting benchmark (bench/meters_bench.ts); and prints one
// markdown report: the targets met or not, the floor and the gap,
// every case of every client, the bursts and the machine. Run it with Node
// from the project root:
//
//   node bench/run.mjs [--quick] [--ops N] [--stretch S] [--rounds R] [--burst B]
//                      [--side-rounds R] [--only spectator|spectator-js|hot-shots]
//                      [--spectator-js DIR]
//
// (`npm run bench` and `deno task bench` do the same). spectator-js is taken
// from a built checkout named by --spectator-js or SPECTATOR_JS_DIR (see
// bench/_spectator_js.ts); without one its columns say how to get them. The
// "folding off" runs happen only when bench/fold_probe.ts finds that the
// library folds and has the `fold` option. The report goes to stdout and to
// .tmp/bench/report.md, every figure to .tmp/bench/results.json, progress to
// stderr. A run that fails or times out shows as "failed" in the report; the
// script exits non-zero only when it cannot build or start the receiver.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { firstLine } from "./_format.mjs";
import { commandLine, flag, option } from "./_options.mjs";
import { buildDist, childEnv, deno, lastJson, logger, machine, root, runProcess, RUNTIMES } from "./_processes.mjs";
import { CLIENT_LABEL, udpReport } from "./_udp_report.mjs";

// ---------------------------------------------------------------- settings

const quick = flag("quick");
const settings = {
  ops: Number(option("ops") ?? (quick ? 5000 : 30_000)),
  stretch: Number(option("stretch") ?? 1000),
  rounds: Number(option("rounds") ?? (quick ? 2 : 5)),
  sideRounds: Number(option("side-rounds") ?? (quick ? 2 : 15)),
  burst: Number(option("burst") ?? (quick ? 100_000 : 1_000_000)),
};
const only = option("only");
const spectatorJsDir = option("spectator-js") ?? process.env.SPECTATOR_JS_DIR;
if (spectatorJsDir) process.env.SPECTATOR_JS_DIR = spectatorJsDir;
/** The longest one benchmark process may run. */
const RUN_TIMEOUT_MS = 240_000;
const log = logger("bench");
const env = childEnv();

const ALL_CASES = ["hot", "tagged", "distinct", "timer", "aggregated", "burst"];
const PEER_CASES = ["hot", "tagged", "timer", "aggregated", "burst"];

/** Every run: which client (as the report names it), on which runtime, with which cases and udp_bench arguments. */
function plannedRuns(foldOption) {
  const runs = [];
  const add = (client, runtime, cases, args = ["--client", client]) =>
    runs.push({ id: `${client}/${runtime}`, client, runtime, cases, args });
  for (const runtime of ["deno", "deno-unstable", "bun", "node"]) add("spectator", runtime, ALL_CASES);
  if (foldOption === "works") {
    for (const runtime of ["deno", "deno-unstable", "bun", "node"]) {
      add("spectator-fold-off", runtime, ["hot", "tagged", "distinct"], ["--client", "spectator", "--fold", "off"]);
    }
  }
  if (spectatorJsDir) {
    for (const runtime of ["node", "bun", "deno"]) add("spectator-js", runtime, ["hot", "tagged", "timer", "burst"]);
  }
  for (const client of ["hot-shots", "hot-shots-buffered"]) {
    for (const runtime of ["node", "bun", "deno"]) add(client, runtime, PEER_CASES);
  }
  return runs.filter((run) => only === undefined || run.client.startsWith(only));
}

// ---------------------------------------------------------------- helpers

/** Starts the receiver and reads the address it prints. */
async function startReceiver() {
  const child = spawn("node", ["bench/udp_receiver.mjs"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the receiver exited with ${code}`)));
  });
  return {
    ...JSON.parse(first),
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

/** Runs a bench script that prints one JSON object; `{ result }` or `{ error }`. */
async function runJson(command, timeoutMs = RUN_TIMEOUT_MS) {
  log(command.map((part) => part.replace(root, "")).join(" "));
  const outcome = await runProcess(command, timeoutMs, env);
  return { ...lastJson(outcome, timeoutMs), seconds: outcome.seconds };
}

/** What bench/fold_probe.ts says about folding and the `fold` option. */
async function probeFolding() {
  const { result, error } = await runJson(RUNTIMES.node.command("bench/fold_probe.ts"), 30_000);
  return result ?? { folds: false, foldOption: `unknown: the probe failed: ${error}` };
}

async function metersBench() {
  const outcome = await runProcess([deno, "bench", "--json", "bench/meters_bench.ts"], 180_000, env);
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

function spectatorJsNote({ SPECTATOR_JS_MISSING, spectatorJsVersion }) {
  if (!spectatorJsDir) return `spectator-js: ${SPECTATOR_JS_MISSING}.`;
  return `spectator-js ${
    spectatorJsVersion() ?? "?"
  } from ${spectatorJsDir}, with its UDP writer's defaults (lines joined into one ` +
    "datagram when 32,768 bytes are buffered, or 15 s after the first, or at close; one send in flight at a time); " +
    "the benchmark flushes it between rounds through the writer's own flush.";
}

// ---------------------------------------------------------------- main

const started = Date.now();
const info = machine();
log(`building dist/ (node scripts/build_node.mjs); load average ${info.loadAverage}`);
if (!buildDist()) {
  console.error("bench: the build failed");
  process.exit(1);
}
/** bench/_spectator_js.ts, built: what to say about spectator-js. */
const spectatorJs = await import(join(root, "dist/bench/_spectator_js.js"));
const folding = await probeFolding();
log(`folding: ${folding.folds ? "yes" : "no"}; the fold option: ${folding.foldOption}`);
let receiver;
try {
  receiver = await startReceiver();
} catch (error) {
  console.error(`bench: cannot start the receiver: ${error.message}`);
  process.exit(1);
}
log(`receiver on ${receiver.host}:${receiver.port} (control ${receiver.controlPort}, SO_RCVBUF ${receiver.rcvbuf})`);

const runs = [];
const sideBySide = {};
try {
  for (const run of plannedRuns(folding.foldOption)) {
    const args = [
      ...run.args,
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
      "--cases",
      run.cases.join(","),
    ];
    const label = `${CLIENT_LABEL[run.client]} ${RUNTIMES[run.runtime].label}`;
    const outcome = await runJson([...RUNTIMES[run.runtime].command("bench/udp_bench.ts"), ...args]);
    log(`${label}: ${outcome.error ?? "done"} in ${outcome.seconds.toFixed(1)} s`);
    runs.push({ ...run, ...outcome });
  }
  // The targets' ratios: ours, the floor and spectator-js taking turns in one process, on every runtime and route.
  for (const runtime of ["deno", "deno-unstable", "bun", "node"]) {
    const args = [
      "--receiver",
      `${receiver.host}:${receiver.port}:${receiver.controlPort}`,
      "--rounds",
      String(settings.sideRounds),
    ];
    sideBySide[runtime] = await runJson([...RUNTIMES[runtime].command("bench/side_by_side.ts"), ...args]);
    log(`side by side on ${RUNTIMES[runtime].label}: ${sideBySide[runtime].error ?? "done"}`);
  }
} finally {
  await receiver.stop();
}

const floors = {};
for (const runtime of ["node", "bun", "deno"]) {
  floors[runtime] = await runJson(RUNTIMES[runtime].command("bench/floor_bench.ts"));
}
log("deno bench bench/meters_bench.ts");
const meters = await metersBench();
const seconds = (Date.now() - started) / 1000;
const markdown = udpReport(runs, {
  settings,
  info,
  seconds,
  floors,
  sideBySide,
  meters,
  receiver,
  foldingNote: folding.folds ? "this build folds repeated updates" : "this build does not fold",
  foldOffMissing: folding.foldOption === "ignored"
    ? "n/a (no `fold` option yet)"
    : `n/a (fold option ${folding.foldOption})`,
  spectatorJsMissing: spectatorJs.SPECTATOR_JS_MISSING,
  spectatorJsNote: spectatorJsNote(spectatorJs),
  command: commandLine("run.mjs"),
});
mkdirSync(join(root, ".tmp/bench"), { recursive: true });
writeFileSync(join(root, ".tmp/bench/report.md"), `${markdown}\n`);
writeFileSync(
  join(root, ".tmp/bench/results.json"),
  `${JSON.stringify({ settings, machine: info, folding, runs, sideBySide, floors, meters, seconds }, null, 2)}\n`,
);
console.log(markdown);
log(`done in ${seconds.toFixed(0)} s; report in .tmp/bench/report.md, figures in .tmp/bench/results.json`);
