// The markdown report of bench/e2e.mjs: throughput into the real SpectatorD
// per client, runtime and route, and the bursts counted by the agent.
import { count, firstLine, ns, percent, table } from "./_format.mjs";
import { machineLines, RUNTIMES } from "./_processes.mjs";

const CLIENT_LABEL = {
  "spectator": "@spectator/client",
  "spectator-fold-off": "@spectator/client, folding off",
  "spectator-js": "spectator-js",
};
const ROUTE_LABEL = { udp: "UDP", unix: "Unix socket" };

/** The reason in the library's fallback warning ("cannot use unix://<path>: <why>; sending to ... instead"). */
function unavailableCell(warning) {
  const why = /cannot use unix:\/\/\S+: ([^;]+);/.exec(warning)?.[1] ?? firstLine(warning);
  return `n/a: falls back to UDP (${why})`;
}

const share = (value) => (value === undefined || Number.isNaN(value) ? "?" : `${Math.round(100 * value)}%`);

/** The rungs tried, as `1.2M: 99.95% ✓`, for the table's last column. */
function rungs(run) {
  return run.trials.map((t) => {
    if (t.error) return `${count(t.rate)}: ${firstLine(t.error)} ✗`;
    const notes = [
      ...(t.kept ? [] : [`sent ${count(t.achievedRate)}/s`]),
      ...(t.dropped > 0 ? [`${t.dropped} ${run.client.startsWith("spectator-js") ? "send errors" : "dropped"}`] : []),
    ];
    return `${count(t.rate)}: ${(100 * t.deliveredShare).toFixed(2)}%${notes.length ? ` (${notes.join(", ")})` : ""}${
      t.pass ? " ✓" : " ✗"
    }`;
  }).join(", ");
}

function probeText(probe) {
  if (probe.error) return `probe: ${firstLine(probe.error)}`;
  return `probe ${count(probe.achievedRate)}/s sent, ${percent(probe.delivered, probe.expected)} parsed`;
}

function throughputRow(run) {
  const head = [CLIENT_LABEL[run.client], RUNTIMES[run.runtime].label, ROUTE_LABEL[run.route]];
  if (run.error) return [...head, "–", `failed: ${firstLine(run.error)}`, "–", "–", "–", "–", "–"];
  if (run.unavailable) return [...head, "–", unavailableCell(run.unavailable), "–", "–", "–", "–", "–"];
  const passing = run.trials.filter((t) => t.pass && t.rate === run.passed);
  const mean = (of) => passing.reduce((sum, t) => sum + of(t), 0) / passing.length;
  return [
    ...head,
    run.transport,
    run.passed === undefined
      ? "none of the rungs passed"
      : `**${run.bracketed ? "" : ">= "}${count(run.passed)}/s**${run.bracketed ? "" : " (no rung failed)"}`,
    run.passed === undefined ? "–" : `${count(mean((t) => t.delivered / (t.sendMs / 1000)))}/s`,
    run.passed === undefined ? "–" : share(mean((t) => t.agentCpuShare)),
    run.passed === undefined ? "–" : share(mean((t) => t.senderCpuShare)),
    `${run.agentParseErrors}${run.agentDeaths ? `; the agent died ${run.agentDeaths} time(s)` : ""}`,
    `${probeText(run.probe)}; ${rungs(run)}`,
  ];
}

function burstRows(run) {
  const head = [RUNTIMES[run.runtime].label, ROUTE_LABEL[run.route]];
  if (run.error) return [[...head, "–", `failed: ${firstLine(run.error)}`, "–", "–", "–", "–"]];
  if (run.unavailable) return [[...head, "–", unavailableCell(run.unavailable), "–", "–", "–", "–"]];
  return ["startup", "warm"].map((phase) => {
    const b = run[phase];
    const exact = b.agentCount === b.updates;
    return [
      ...head,
      phase,
      `${b.agentCount.toLocaleString("en-US")} (${percent(b.agentCount, b.updates)})${exact ? " ✓" : ""}`,
      ns(b.nsPerOp),
      `${b.heapGrowthMB.toFixed(1)}${run.forcedGc ? "" : " (no forced GC)"}${
        b.heapGrowthMB < 16 ? "" : " **over 16**"
      }`,
      count(b.dropped),
      b.folded === null ? "n/a" : count(b.folded),
    ];
  });
}

/** What the clients logged when they lost lines, once per client and message. */
function problemLines(throughput) {
  const seen = new Set();
  for (const run of throughput) {
    for (const t of run.trials ?? []) {
      // The socket's temporary path and the running count differ from trial to trial: one line per message.
      const problem = t.problem?.replace(/unix:\/\/\S+?:/g, "unix://<socket>:").replace(/ \(\d+ dropped in all\)/, "");
      if (problem) seen.add(`${CLIENT_LABEL[run.client]} ${ROUTE_LABEL[run.route]}: "${problem.split("\n")[0]}"`);
    }
  }
  return seen.size === 0
    ? []
    : ["What the clients logged when they lost lines:", "", ...[...seen].map((s) => `- ${s}`), ""];
}

/** The whole report; `context`: throughput, bursts, settings, info, seconds, binary, spectatorJsDir, command. */
export function e2eReport(context) {
  const { throughput, bursts, settings, info } = context;
  const out = ["# End to end into the real SpectatorD", ""];
  if (throughput.length > 0) {
    out.push(
      "## Throughput: the highest offered rate delivered without loss",
      "",
      `Workload: ${settings.ids.toLocaleString("en-US")} counters with distinct ids, incremented round-robin ` +
        "(`c:server.requestCount,id=i<k>,method=GET,status=200:1`, 53-56 bytes a line), at most " +
        `${settings.ids.toLocaleString("en-US")} updates per event-loop turn, so no id repeats within a turn. ` +
        "Our client folds updates of one id only while its lines cannot leave (a send in flight, a full socket): then " +
        "it sends fewer lines than updates (the folded ones ride in their id's line), and the rate it delivers " +
        "without loss, in updates per second, can pass what the agent parses, in lines per second. With " +
        "folding off it sends every update as a line of its own, as spectator-js does. A 1 s probe as fast as the " +
        "sender can go; then rungs of " +
        `${settings.rungSeconds} s from half as much again as the agent parsed during the probe, up ` +
        `${settings.climb}x while they pass and down ${(settings.climb ** 2).toFixed(2)}x while they fail, then ` +
        "halving the bracket between the highest passing and the lowest failing rung until it is " +
        `${settings.climb}x wide; the highest passing rung must pass twice. A rung passes ` +
        `when the sender kept the rate and the agent's \`spectatord.parsedCount\` grew by >= ` +
        `${100 * settings.passShare}% of the lines the client should have sent (fewer when it folds). CPU shares are ` +
        "of one core (user + system from /proc/<pid>/stat) during the passing rung. Each run has an agent of its own.",
      "",
      table(
        [
          "client",
          "runtime",
          "route",
          "transport",
          "lossless rate (updates/s)",
          "lines parsed/s",
          "agent CPU",
          "sender CPU",
          "agent parse errors, deaths",
          "rungs: offered rate: share parsed",
        ],
        throughput.map(throughputRow),
      ),
      "",
      ...problemLines(throughput),
    );
  }
  if (bursts.length > 0) {
    out.push(
      `## A synchronous burst of ${settings.updates.toLocaleString("en-US")} increments, counted by the agent`,
      "",
      "One process per runtime and route: the burst on one counter right after `new Registry()` (startup: the " +
        "socket still opening), then on a second counter once the first burst was flushed (warm: the socket open). " +
        "The target once the library folds: the agent's counter reads exactly the updates, heap growth under 16 MB. " +
        "Heap growth: `heapUsed` right after the burst minus before it (at startup, before the registry), after a " +
        "forced collection. Dropped and folded: the client's `stats()` (`droppedLines`, `foldedUpdates` where the " +
        "library reports it).",
      "",
      table(
        ["runtime", "route", "phase", "agent's counter", "ns/update", "heap growth MB", "dropped", "folded"],
        bursts.flatMap(burstRows),
      ),
      "",
    );
  }
  out.push(
    "## Machine",
    "",
    ...machineLines(info),
    `- SpectatorD: ${context.binary}, on free loopback ports with its socket in a temporary directory, ` +
      "`--enable_insight_logs=false`: a fresh agent for each throughput run and one for all the bursts (its parse " +
      `errors at the end: ${info.burstAgentParseErrors ?? "?"})`,
    `- spectator-js: ${context.spectatorJs} (its UDP and Unix writers with their default buffering: ` +
      "datagrams of 32,768 bytes, one send in flight)",
    `- wall time: ${Math.round(context.seconds)} s; command: \`${context.command}\``,
  );
  return out.join("\n");
}
