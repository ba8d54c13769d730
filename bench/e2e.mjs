// End-to-end bench against the real SpectatorD (`npm run bench:e2e`): how
// many lines per second one process delivers without loss, over UDP and over
// the Unix socket, per runtime, for @spectator/client and Netflix's
// spectator-js side by side; and a 1,000,000-increment synchronous burst at
// startup and warm, per runtime and route, counted by the agent. Run it with
// Node from the project root:
//
//   node bench/e2e.mjs [--quick] [--only throughput|burst] [--rung-seconds S] [--ids N] [--updates N]
//                      [--spectator-js DIR]
//
// The agent: SPECTATORD_BIN=<path to spectatord>, else the binary that the
// project's `node scripts/spectatord/build.mjs` builds (when this checkout has
// that script); it runs on free loopback ports with a socket in a temporary
// directory and is always stopped at the end. spectator-js comes from a built
// checkout named by --spectator-js or SPECTATOR_JS_DIR (bench/_spectator_js.ts).
//
// Throughput, per client, runtime and route (bench/e2e_sender.ts), each with
// agents of its own: a 1 s probe as fast as the sender can go; then rungs of S
// seconds (3), from half as much again as the agent parsed during the probe,
// up 1.3x while they pass and down 1.69x while they fail, then halving the
// bracket between the highest passing and the lowest failing rung until it is
// 1.3x wide; the highest passing rung must pass twice (see ladder()). A rung
// passes when the sender kept the rate and the agent's
// `spectatord.parsedCount` grew by at least 99.9% of the lines the client
// should have sent (its updates less those it folded). The figure is that
// rate, with the agent's and the sender's CPU share during it (from
// /proc/<pid>/stat).
//
// Burst (bench/agent_burst.ts): one process per runtime and route; the
// agent's `bench.burst` counters must read exactly the updates sent.
//
// The report goes to stdout and .tmp/bench/e2e.md, every figure to
// .tmp/bench/e2e.json, progress to stderr.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { e2eReport } from "./_e2e_report.mjs";
import { count } from "./_format.mjs";
import { commandLine, flag, option } from "./_options.mjs";
import {
  buildDist,
  childEnv,
  cpuSeconds,
  lastJson,
  logger,
  machine,
  root,
  runProcess,
  RUNTIMES,
} from "./_processes.mjs";

const quick = flag("quick");
const settings = {
  rungSeconds: Number(option("rung-seconds") ?? (quick ? 1 : 3)),
  probeSeconds: 1,
  ids: Number(option("ids") ?? 1000),
  updates: Number(option("updates") ?? 1_000_000),
  passShare: 0.999,
  passesNeeded: 2,
  climb: 1.3,
  maxRungs: 8,
  confirmRungs: 3,
};
const only = option("only");
const spectatorJsDir = option("spectator-js") ?? process.env.SPECTATOR_JS_DIR;
if (spectatorJsDir) process.env.SPECTATOR_JS_DIR = spectatorJsDir;
const env = childEnv();
const log = logger("bench:e2e");
/** The probe's offered rate: more than any sender here reaches, so it goes as fast as it can. */
const PROBE_RATE = 50_000_000;
/** The first rung over the rate the agent parsed during the probe. */
const PROBE_HEADROOM = 1.5;
/** The first rung when the probe failed (the agent died under it). */
const FALLBACK_FIRST_RATE = 100_000;
/** The longest a burst process may run. */
const BURST_TIMEOUT_MS = 120_000;
/** How long the agent's count must stay still to count as settled, and the longest to wait. */
const SETTLE_QUIET_MS = 300;
const SETTLE_LIMIT_MS = 10_000;

/**
 * The throughput runs: client, runtime, route, and the sender's client arguments. Ours runs with its default (folding)
 * and with `fold: false` (every update a line, as spectator-js sends). spectator-js runs on Node, where its Unix
 * writer's native package loads.
 */
const THROUGHPUT_RUNS = [
  ...[["spectator", ["--client", "spectator"]], ["spectator-fold-off", ["--client", "spectator", "--fold", "off"]]]
    .flatMap(([client, args]) =>
      ["node", "bun", "deno", "deno-unstable"].flatMap((runtime) =>
        ["udp", "unix"].map((route) => ({ client, args, runtime, route }))
      )
    ),
  ...(spectatorJsDir
    ? ["udp", "unix"].map((route) => ({
      client: "spectator-js",
      args: ["--client", "spectator-js"],
      runtime: "node",
      route,
    }))
    : []),
];
const BURST_RUNS = ["node", "bun", "deno", "deno-unstable"].flatMap((runtime) =>
  ["udp", "unix"].map((route) => ({ runtime, route }))
);

// ---------------------------------------------------------------- the agent's side

/**
 * Waits until `read()` stops changing for SETTLE_QUIET_MS (or reaches `target`), at most SETTLE_LIMIT_MS;
 * resolves with the last value and when it last changed.
 */
async function settled(read, target = Infinity) {
  const start = Date.now();
  let value = await read();
  let changedAt = Date.now();
  while (value < target && Date.now() - changedAt < SETTLE_QUIET_MS && Date.now() - start < SETTLE_LIMIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await read();
    if (next !== value) changedAt = Date.now();
    value = next;
  }
  return { value, changedAt };
}

function locationOf(agent, route) {
  return route === "udp" ? `udp://127.0.0.1:${agent.port}` : `unix://${agent.socketPath}`;
}

// ---------------------------------------------------------------- throughput

/** Starts bench/e2e_sender.ts and reads its first line; `{ ready, request(command), quit(), pid }`. */
async function startSender(run, location) {
  const command = [
    ...RUNTIMES[run.runtime].command("bench/e2e_sender.ts"),
    ...run.args,
    "--location",
    location,
    "--ids",
    String(settings.ids),
  ];
  log(command.map((part) => part.replace(root, "")).join(" "));
  const child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: ["pipe", "pipe", "inherit"] });
  // A sender that died is reported by its exit; writing to it must not end this process.
  child.stdin.on("error", () => {});
  const waiting = [];
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => waiting.shift()?.(line));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const next = () =>
    Promise.race([
      new Promise((resolve) => waiting.push((line) => resolve(JSON.parse(line)))),
      exited.then((code) => ({ error: `the sender exited (${code})` })),
    ]);
  const ready = await next();
  return {
    pid: child.pid,
    ready,
    request: (command) => {
      const answer = next();
      child.stdin.write(`${command}\n`);
      return answer;
    },
    quit: async () => {
      child.stdin.end("quit\n");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One trial at `rate` for `seconds`: what the sender did and what the agent parsed; a failure when either died. */
async function trial(agent, sender, rate, seconds) {
  try {
    return await measuredTrial(agent, sender, rate, seconds);
  } catch (error) {
    const ended = agent.ended();
    const why = ended === undefined ? error.message : `the agent died (${ended})`;
    return { rate, error: why, pass: false, kept: false, deliveredShare: 0, achievedRate: 0, dropped: 0 };
  }
}

async function measuredTrial(agent, sender, rate, seconds) {
  const before = await agent.parsedCount();
  const agentCpu = cpuSeconds(agent.pid);
  const senderCpu = cpuSeconds(sender.pid);
  const start = Date.now();
  const sent = await sender.request(`run ${Math.round(rate)} ${Math.round(seconds * 1000)}`);
  if (sent.error) throw new Error(sent.error);
  const expected = sent.updates - (sent.folded ?? 0);
  const { value, changedAt } = await settled(() => agent.parsedCount(), before + expected);
  const delivered = value - before;
  const wallSeconds = Math.max(changedAt, start + sent.sendMs) / 1000 - start / 1000;
  const kept = sent.updates >= 0.99 * Math.round(rate * seconds);
  return {
    rate,
    ...sent,
    expected,
    delivered,
    deliveredShare: expected > 0 ? delivered / expected : 0,
    achievedRate: sent.updates / (sent.sendMs / 1000),
    kept,
    pass: kept && delivered >= settings.passShare * expected,
    agentCpuShare: (cpuSeconds(agent.pid) - agentCpu) / wallSeconds,
    senderCpuShare: (cpuSeconds(sender.pid) - senderCpu) / (sent.sendMs / 1000 + sent.flushMs / 1000),
  };
}

/** Two significant digits, rounded down: 1,234,567 -> 1,200,000. */
function roundRate(rate) {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(rate)) - 1);
  return Math.max(1000, Math.floor(rate / unit) * unit);
}

/**
 * The ladder for one client, runtime and route, against an agent of its own. A probe as fast as the sender goes
 * gives the first rung: half as much again as the agent parsed meanwhile. Single trials then climb by `settings.climb`
 * while they pass (or descend by its square while they fail) until a passing and a failing rung bracket the limit,
 * then halve the bracket until it is one climb wide. The highest passing rung must then pass a second time; when it does not,
 * the next lower rung must pass twice, and so on, within the rung budget. After the probe and after every failed
 * trial, the agent and the sender start afresh: an overloaded agent may be left damaged (a Unix datagram over
 * 64 KiB corrupts its memory) and a sender may be left with a backlog.
 */
async function ladder(binary, run) {
  const result = { ...run, trials: [], agentParseErrors: 0 };
  let agent;
  let sender;
  const stop = async () => {
    await sender?.quit();
    if (agent !== undefined) {
      // An agent that no longer answers has died (the trial said so).
      const errors = await agent.parseErrors().catch(() => undefined);
      if (errors === undefined) result.agentDeaths = (result.agentDeaths ?? 0) + 1;
      else result.agentParseErrors += errors;
    }
    await agent?.stop();
    agent = sender = undefined;
  };
  const start = async () => {
    await stop();
    agent = await startSpectatord({ binary });
    sender = await startSender(run, locationOf(agent, run.route));
    return sender.ready;
  };
  const passes = async (rate) => {
    agent ?? (await start());
    const outcome = await trial(agent, sender, rate, settings.rungSeconds);
    result.trials.push(outcome);
    const what = outcome.error ??
      `${(100 * outcome.deliveredShare).toFixed(2)}% parsed${
        outcome.kept ? "" : `, the sender reached ${count(outcome.achievedRate)}/s`
      }`;
    log(`${run.client} ${run.runtime} ${run.route}: ${count(rate)}/s -> ${what}`);
    if (!outcome.pass) await stop();
    return outcome.pass;
  };
  try {
    const ready = await start();
    if (ready.error) return { ...result, error: ready.error };
    if (ready.fallback) return { ...result, unavailable: ready.fallback };
    result.transport = ready.transport;
    const probe = await trial(agent, sender, PROBE_RATE, settings.probeSeconds);
    result.probe = probe;
    log(`${run.client} ${run.runtime} ${run.route}: probe ${probe.error ?? `${count(probe.achievedRate)}/s sent`}`);
    await stop();
    // Flooded, the agent parses less than it can keep up with: the first rung starts above what it parsed.
    let rate = probe.error
      ? FALLBACK_FIRST_RATE
      : roundRate(Math.min(probe.achievedRate, PROBE_HEADROOM * probe.delivered / (probe.sendMs / 1000)));
    let highestPassing;
    let lowestFailing;
    while (result.trials.length < settings.maxRungs) {
      if (await passes(rate)) highestPassing = Math.max(highestPassing ?? 0, rate);
      else lowestFailing = Math.min(lowestFailing ?? Infinity, rate);
      if (lowestFailing === undefined) rate = roundRate(rate * settings.climb);
      // Down in larger steps: a client that loses lines may need a rate far below the probe's.
      else if (highestPassing === undefined) rate = roundRate(rate / settings.climb ** 2);
      else {
        // Halve the bracket (geometrically) until it is one climb wide.
        const between = roundRate(Math.sqrt(highestPassing * lowestFailing));
        if (lowestFailing / highestPassing <= settings.climb * 1.01 || between <= highestPassing) break;
        rate = between;
      }
    }
    // Confirm: the candidate passes once more (its first pass counts), or a lower rung passes twice.
    let needed = 1;
    while (highestPassing !== undefined && result.trials.length < settings.maxRungs + settings.confirmRungs) {
      let passed = 0;
      while (passed < needed && (await passes(highestPassing))) passed++;
      if (passed === needed) {
        result.passed = highestPassing;
        result.bracketed = lowestFailing !== undefined;
        break;
      }
      highestPassing = roundRate(highestPassing / Math.sqrt(settings.climb));
      needed = settings.passesNeeded;
    }
    return result;
  } finally {
    await stop();
  }
}

// ---------------------------------------------------------------- bursts

/** Whether a client on a runtime reaches the agent over a route, asked of a sender (its probe line tells). */
async function routeFallback(agent, run) {
  const sender = await startSender({ args: ["--client", "spectator"], ...run }, locationOf(agent, run.route));
  await sender.quit();
  return sender.ready.fallback ?? sender.ready.error ?? undefined;
}

async function burstRun(agent, run, fallbacks) {
  const key = `${run.runtime}/${run.route}`;
  const fallback = fallbacks.has(key) ? fallbacks.get(key) : await routeFallback(agent, run);
  if (fallback) return { ...run, unavailable: fallback };
  const tag = `${run.runtime}-${run.route}`;
  const command = [
    ...RUNTIMES[run.runtime].command("bench/agent_burst.ts"),
    "--location",
    locationOf(agent, run.route),
    "--updates",
    String(settings.updates),
    "--tag",
    tag,
  ];
  log(command.map((part) => part.replace(root, "")).join(" "));
  const outcome = await runProcess(command, BURST_TIMEOUT_MS, env);
  const { result, error } = lastJson(outcome, BURST_TIMEOUT_MS);
  if (error) return { ...run, error };
  for (const phase of ["startup", "warm"]) {
    const read = async () => (await agent.value("counters", "bench.burst", { phase, run: tag })) ?? 0;
    result[phase].agentCount = (await settled(read, settings.updates)).value;
  }
  log(`burst ${tag}: startup ${result.startup.agentCount}, warm ${result.warm.agentCount} of ${settings.updates}`);
  return { ...run, ...result };
}

// ---------------------------------------------------------------- main

const started = Date.now();
const info = machine();
if (!buildDist()) {
  console.error("bench:e2e: the build failed");
  process.exit(1);
}
/** The real agent's runner, shared with the test tier (scripts/spectatord/agent.ts), built. */
const { findSpectatordBinary, startSpectatord } = await import(join(root, "dist/scripts/spectatord/agent.js"));
const found = findSpectatordBinary();
if (found.error) {
  console.error(`bench:e2e: ${found.error}`);
  process.exit(1);
}
log(`SpectatorD: ${found.binary} (from ${found.source}); load average ${info.loadAverage}`);
/** bench/_spectator_js.ts, built: what to say when spectator-js is not there. */
const { SPECTATOR_JS_MISSING } = await import(join(root, "dist/bench/_spectator_js.js"));
const throughput = [];
if (only !== "burst") {
  for (const run of THROUGHPUT_RUNS) throughput.push(await ladder(found.binary, run));
}
const bursts = [];
if (only !== "throughput") {
  const agent = await startSpectatord({ binary: found.binary });
  log(`agent for the bursts: pid ${agent.pid}, udp ${agent.port}, ${agent.socketPath}`);
  try {
    const fallbacks = new Map(
      throughput.filter((run) => run.client === "spectator").map((
        run,
      ) => [`${run.runtime}/${run.route}`, run.unavailable]),
    );
    for (const run of BURST_RUNS) bursts.push(await burstRun(agent, run, fallbacks));
    info.burstAgentParseErrors = await agent.parseErrors();
  } finally {
    await agent.stop();
  }
}
const seconds = (Date.now() - started) / 1000;
const markdown = e2eReport({
  throughput,
  bursts,
  settings,
  info,
  seconds,
  binary: found.binary,
  spectatorJs: spectatorJsDir ?? SPECTATOR_JS_MISSING,
  command: commandLine("e2e.mjs"),
});
mkdirSync(join(root, ".tmp/bench"), { recursive: true });
writeFileSync(join(root, ".tmp/bench/e2e.md"), `${markdown}\n`);
writeFileSync(
  join(root, ".tmp/bench/e2e.json"),
  `${JSON.stringify({ settings, machine: info, throughput, bursts, seconds }, null, 2)}\n`,
);
console.log(markdown);
log(`done in ${seconds.toFixed(0)} s; report in .tmp/bench/e2e.md, figures in .tmp/bench/e2e.json`);
