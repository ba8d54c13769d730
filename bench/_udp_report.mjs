// The markdown report of bench/run.mjs: the issue's targets, the runtime's
// floor, every case of every run, the bursts, and the machine.
import { bytes, count, fraction, ns, percent, speedup, table, targetCell } from "./_format.mjs";
import { machineLines, RUNTIMES } from "./_processes.mjs";

/** What each client is called in the report. */
export const CLIENT_LABEL = {
  "spectator": "@spectator/client",
  "spectator-fold-off": "@spectator/client fold off",
  "spectator-js": "spectator-js",
  "hot-shots": "hot-shots",
  "hot-shots-buffered": "hot-shots 8K",
};

const CASE_LABEL = {
  hot: "(a) hot counter",
  tagged: "(b) counter per call, 2 tags",
  distinct: "(c) distinct id per update",
  timer: "(d) timer `record()`",
  aggregated: "(e) pre-aggregated counter",
  burst: "(f) sync burst, per update",
};
const CASES = Object.keys(CASE_LABEL);

/** Our runtimes and routes, and the runtime a peer runs on for the comparison (Deno's routes share one). */
const OUR_RUNTIMES = [["node", "node"], ["bun", "bun"], ["deno", "deno"], ["deno-unstable", "deno"]];

/**
 * The issue's speed targets: ours / theirs at most `max` for `case` on the runtimes listed
 * (issue 12: hot counter <= 1/5 spectator-js and <= 1/100 hot-shots on Node and Bun, <= 1/100 hot-shots on Deno;
 * counter per call <= 1/5 spectator-js on Node and Bun).
 */
const TARGETS = [
  { case: "hot", peer: "spectator-js", max: 1 / 5, runtimes: ["node", "bun"] },
  { case: "hot", peer: "hot-shots", max: 1 / 100, runtimes: ["node", "bun", "deno", "deno-unstable"] },
  { case: "tagged", peer: "spectator-js", max: 1 / 5, runtimes: ["node", "bun"] },
];

/** Whether a run measures @spectator/client. */
const isOurs = (run) => run.client === "spectator" || run.client === "spectator-fold-off";
const runLabel = (run) => `${CLIENT_LABEL[run.client]} ${RUNTIMES[run.runtime].label}`;

/** ns/op of a case, or undefined when it did not run properly. */
function figure(run, name, field = "nsPerOp") {
  const result = run?.result?.cases?.[name];
  return result?.status === "ok" ? result[field] : undefined;
}

/** The reasons the cells refer to by number (`n/a [1]`), collected while one report is built. */
let reasons = [];

/** `kind [n]`, where n numbers the first line of `text` among the report's reasons. */
function because(kind, text) {
  const reason = String(text ?? "").split("\n")[0];
  if (!reasons.includes(reason)) reasons.push(reason);
  return `${kind} [${reasons.indexOf(reason) + 1}]`;
}

function failure(result) {
  if (result === undefined) return "not run";
  if (result.status === "failed") return because("failed", result.note);
  if (result.status === "n/a") return because("n/a", result.note);
  return undefined;
}

/** A cell naming why a run has no figure for a case: not available, failed, n/a; undefined when it has one. */
function missing(run, name, context) {
  if (run === undefined) {
    return context.missing ?? "not run";
  }
  if (run.error) return because("failed", run.error);
  return failure(run.result.cases[name]);
}

/** ns/op of a run's case, or why there is none. */
function figureCell(run, name, context = {}) {
  return missing(run, name, context) ?? ns(figure(run, name));
}

/** A main-table cell: ns/op, then what went wrong with delivery, if anything. */
function caseCell(run, name, settings) {
  const why = missing(run, name, {});
  if (why) return why;
  const result = run.result.cases[name];
  const parts = [ns(result.nsPerOp)];
  const delivered = result.delivered;
  if (name === "aggregated") {
    const sumOk = delivered.valueSum === result.ops;
    parts.push(`${delivered.lines} lines, sum ${sumOk ? "ok" : `${delivered.valueSum} of ${result.ops}`}`);
  } else if (name === "burst") {
    if (result.ops < settings.burst) parts.push(`stopped at ${count(result.ops)}`);
    if (delivered.valueSum < result.ops) parts.push(`${percent(delivered.valueSum, result.ops)} delivered`);
  } else if (delivered[result.measure] < result.expected) {
    parts.push(`${percent(delivered[result.measure], result.expected)} delivered`);
  }
  if (result.clientDrops > 0) {
    parts.push(`${count(result.clientDrops)} ${isOurs(run) ? "dropped" : "errors"}`);
  }
  if (delivered.kernelDrops > 0) parts.push(`${count(delivered.kernelDrops)} kernel drops`);
  return parts.join(" · ");
}

function deliveryCell(run, name) {
  const result = run.result?.cases[name];
  if (run.error || failure(result) || result.delivered === undefined) return "–";
  const d = result.delivered;
  return `${count(d.lines)} / ${count(d.datagrams)} / ${bytes(d.largest)}`;
}

function perProcessSection(byId, context) {
  const rows = [];
  for (const [runtime, peerRuntime] of OUR_RUNTIMES) {
    const ours = byId[`spectator/${runtime}`];
    const foldOff = byId[`spectator-fold-off/${runtime}`];
    const peers = {
      "spectator-js": byId[`spectator-js/${peerRuntime}`],
      "hot-shots": byId[`hot-shots/${peerRuntime}`],
    };
    for (const name of ["hot", "tagged"]) {
      rows.push([
        RUNTIMES[runtime].label,
        CASE_LABEL[name],
        figureCell(ours, name),
        foldOff === undefined ? context.foldOffMissing : figureCell(foldOff, name),
        name === "hot" ? figureCell(ours, "distinct") : "–",
        figureCell(peers["spectator-js"], name, { missing: context.spectatorJsMissing }),
        figureCell(peers["hot-shots"], name),
      ]);
    }
  }
  return [
    "## Every client in its own process, ns per update",
    "",
    table(
      [
        "runtime",
        "case",
        "ours",
        "ours, folding off",
        "ours, distinct id per update",
        "spectator-js",
        "hot-shots",
      ],
      rows,
    ),
    "",
    `"ours" is @spectator/client with its default options (${context.foldingNote}). "folding off" passes ` +
    '`fold: false` to its Config; "distinct id per update" cycles through ' +
    "10,000 pre-made counters, so no id repeats within a turn and nothing can fold. spectator-js and hot-shots run on " +
    "the same runtime (on Deno, hot-shots goes through `node:dgram` whatever the flags). Each process runs alone, at " +
    "its own moment of the machine: the targets' ratios are taken side by side, above.",
    "",
  ];
}

/** The side-by-side figures of `runtime`'s case `name`: per client ns/op and the per-round ratios; or why none. */
function sideCase(sideBySide, runtime, name) {
  const run = sideBySide?.[runtime];
  if (run === undefined) return { why: "not run" };
  if (run.error) return { why: because("failed", run.error) };
  return run.result.cases[name] ?? { why: "not run" };
}

/** `1/a-1/b`: the range of per-round ratios. */
function ratioRange(rounds) {
  const sorted = [...rounds].sort((a, b) => a - b);
  return `${fraction(sorted[sorted.length - 1])} to ${fraction(sorted[0])}`;
}

function sideBySideSection(sideBySide, context) {
  const rows = [];
  for (const [runtime] of OUR_RUNTIMES) {
    for (const name of ["hot", "tagged"]) {
      const outcome = sideCase(sideBySide, runtime, name);
      const clientCell = (label) => {
        if (outcome.why) return outcome.why;
        const client = outcome.clients[label];
        if (client === undefined) {
          const reason = outcome.unavailable?.[label];
          if (label === "spectator-js" && reason?.includes("SPECTATOR_JS_DIR")) return context.spectatorJsMissing;
          return reason ? because("n/a", reason) : "–";
        }
        const lost = client.missing > 0 ? ` · ${count(client.missing)} not delivered` : "";
        return `${ns(client.nsPerOp)}${lost}`;
      };
      const ratioCells = (peer) => {
        const ratio = outcome.ratios?.[peer];
        if (ratio === undefined) return ["–", "–"];
        const target = TARGETS.find((t) => t.case === name && t.peer === peer && t.runtimes.includes(runtime));
        return [ratioRange(ratio.rounds), targetCell(ratio.median, 1, target?.max)];
      };
      rows.push([
        RUNTIMES[runtime].label,
        CASE_LABEL[name],
        clientCell("spectator"),
        name === "hot" ? clientCell("floor") : "–",
        clientCell("spectator-js"),
        ...ratioCells("spectator-js"),
        name === "hot" ? clientCell("hot-shots") : "–",
        ...ratioCells("hot-shots"),
      ]);
    }
  }
  const settings = Object.values(sideBySide ?? {}).find((run) => run?.result)?.result.settings;
  return [
    "## The speed targets (issue 12): side by side in one process",
    "",
    table(
      [
        "runtime",
        "case",
        "ours",
        "the floor (a minimal folding client)",
        "spectator-js",
        "ours / spectator-js, per round",
        "median ratio",
        "hot-shots",
        "ours / hot-shots, per round",
        "median ratio",
      ],
      rows,
    ),
    "",
    `From \`bench/side_by_side.ts\`: ${settings?.rounds ?? "?"} timed rounds (after one warm-up) of ` +
    `${settings?.turns ?? "?"} stretches of ${settings?.stretch ?? "?"} updates, each stretch followed by an ` +
    "event-loop turn; the clients take turns round by round in one process (the order rotates), on the same " +
    "receiver, so a slow moment of the machine falls on all of them alike, and the ratio is taken within each round. " +
    "ns/op is the median round of each client. Each client's loop is compiled on its own, so no call site sees " +
    "two libraries. The floor (`bench/_client_floor.ts`) is the least a client that folds the hot counter and sends " +
    "what each turn wrote can do: an update adds into one slot, and the turn's first update queues a microtask " +
    "that sends the slot's line as one datagram over a connected UDP socket (`Bun.udpSocket` on Bun, `node:dgram` " +
    "elsewhere). hot-shots (unbuffered, its default) sends a datagram per update, so its rounds are a tenth as " +
    "long. Every increment of every round is checked at the receiver.",
    "",
  ];
}

function floorSection(sideBySide, floors) {
  const rows = OUR_RUNTIMES.map(([runtime, floorRuntime]) => {
    const isolated = floors[floorRuntime];
    const hot = sideCase(sideBySide, runtime, "hot");
    const cases = isolated?.result?.nsPerOp;
    const floor = hot.clients?.floor?.nsPerOp;
    const whole = hot.clients?.spectator?.nsPerOp;
    const sjs = sideCase(sideBySide, floorRuntime, "hot").clients?.["spectator-js"]?.nsPerOp;
    const target = TARGETS.find((t) => t.case === "hot" && t.peer === "spectator-js" && t.runtimes.includes(runtime));
    const bound = target && sjs !== undefined ? sjs * target.max : undefined;
    const f = (name) => (isolated?.error ? because("failed", isolated.error) : ns(cases?.[name]));
    return [
      RUNTIMES[runtime].label,
      f("set"),
      f("meter"),
      f("add"),
      ns(floor),
      ns(whole),
      whole !== undefined && floor !== undefined
        ? `${ns(whole - floor)} (${(whole / floor).toFixed(2)}x the floor)`
        : "–",
      bound === undefined ? "–" : ns(bound),
      bound === undefined || floor === undefined
        ? "–"
        : floor >= bound
        ? "**the floor alone exceeds it**"
        : `floor ${fraction(floor / bound)} of it`,
    ];
  });
  return [
    "## The runtime's floor under the hot counter",
    "",
    table(
      [
        "runtime",
        "`set` of the 44-byte prefix",
        "a line per update (meter/writer sketch)",
        "a folded update (an addition)",
        "the floor: a minimal folding client, whole",
        "ours, whole",
        "gap: ours - floor",
        "target: spectator-js / 5",
        "floor vs target",
      ],
      rows,
    ),
    "",
    "The first three columns are from `bench/floor_bench.ts`, alone on each runtime (median of 7 rounds): " +
    "`TypedArray.prototype.set` of the hot counter's prefix into a 60 KiB buffer; a sketch of the library's shape " +
    "writing a line per update (a meter object calling a writer object with `#private` fields and the bound checks); " +
    "the same shape folding (the meter adds its delta into its id's slot). The rest is from the side-by-side run " +
    "above. What the floor costs beyond its additions is the machine's price of an event-loop turn and a send to a " +
    "receiver in another process, which any client that sends what each turn wrote pays; the gap is what the " +
    "library adds on top. Deno's two routes are compared with the same floor client (`node:dgram`).",
    "",
  ];
}

function casesSection(runs, settings) {
  return [
    "## Every run: cost per update (ns/op), and delivery where something was lost",
    "",
    table(
      ["run", ...CASES.map((name) => CASE_LABEL[name]), "harness only", "(a) inside the stretches", "transport"],
      runs.map((run) => [
        runLabel(run),
        ...CASES.map((name) => (run.cases.includes(name) ? caseCell(run, name, settings) : "–")),
        run.error ? "–" : ns(run.result.harnessNsPerOp),
        run.error ? "–" : ns(figure(run, "hot", "syncNsPerOp")),
        run.error ? because("failed", run.error) : run.result.transport,
      ]),
    ),
    "",
    "Cells show what was lost: `97.1% delivered` (of the counters' increments, added up from the values the " +
    "receiver got, so folded lines count in full; of the lines for timers), `N dropped` (the client's own " +
    "`droppedLines`), `N errors` (send errors the client reported), `N kernel drops` (datagrams the receiving socket " +
    "lost, from /proc/net/udp). (e) is checked by adding up the delivered counter values.",
    "",
    "## Delivery per case: lines received / datagrams / largest datagram",
    "",
    table(
      ["run", ...CASES.map((name) => CASE_LABEL[name])],
      runs.filter((run) => !run.error).map((run) => [
        runLabel(run),
        ...CASES.map((name) => (run.cases.includes(name) ? deliveryCell(run, name) : "–")),
      ]),
    ),
    "",
  ];
}

function peersSection(byId) {
  const pairs = [];
  for (const [runtime, peerRuntime] of OUR_RUNTIMES) {
    for (const peer of ["spectator-js", "hot-shots", "hot-shots-buffered"]) {
      const ours = byId[`spectator/${runtime}`];
      const theirs = byId[`${peer}/${peerRuntime}`];
      if (ours?.result && theirs?.result) pairs.push([ours, theirs]);
    }
  }
  if (pairs.length === 0) {
    return ["## @spectator/client vs the others", "", "No runtime has results for two clients.", ""];
  }
  return [
    "## @spectator/client vs the others, same runtime",
    "",
    table(
      ["ours on", "vs", ...CASES.filter((name) => name !== "distinct").map((name) => CASE_LABEL[name])],
      pairs.map(([ours, theirs]) => [
        RUNTIMES[ours.runtime].label,
        CLIENT_LABEL[theirs.client],
        ...CASES.filter((name) => name !== "distinct").map((name) => speedup(figure(ours, name), figure(theirs, name))),
      ]),
    ),
    "",
  ];
}

function burstSection(runs, settings) {
  const rows = [];
  for (const run of runs.filter((run) => !run.error)) {
    const burst = run.result.cases.burst;
    if (burst === undefined) continue;
    const variants = [[burst, ""], ...(burst.generous ? [[burst.generous, " (generous)"]] : [])];
    for (const [b, suffix] of variants) {
      if (b.status !== "ok") {
        rows.push([runLabel(run) + suffix, failure(b) ?? b.status, ...Array(10).fill("–")]);
        continue;
      }
      const d = b.delivered;
      rows.push([
        runLabel(run) + suffix + (b.note ? " ¹" : ""),
        count(b.ops),
        ns(b.nsPerOp),
        `${b.heapGrowthMB.toFixed(1)}${b.forcedGc ? "" : " (no forced GC)"}`,
        b.externalGrowthMB.toFixed(1),
        b.heapRetainedMB.toFixed(1),
        count(b.clientDrops),
        count(d.kernelDrops),
        `${count(d.valueSum)} (${percent(d.valueSum, b.ops)})`,
        `${bytes(d.largest)}${d.largest > 65507 ? " **over 65507**" : ""}`,
        `${Math.round(b.deliveryMs)}`,
        isOurs(run) ? (b.maxPendingBytes === "default" ? "default (4 MiB)" : bytes(b.maxPendingBytes)) : "–",
      ]);
    }
  }
  const notes = runs.filter((run) => !run.error).flatMap((run) => {
    const burst = run.result.cases.burst;
    return [burst, burst?.generous].filter((b) => b?.status === "ok" && b.note).map((b) =>
      `¹ ${runLabel(run)}: ${b.note}`
    );
  });
  return [
    `## Burst of ${count(settings.burst)} updates into the receiver`,
    "",
    table(
      [
        "run",
        "updates",
        "ns/op",
        "heap growth MB",
        "external growth MB",
        "heap after delivery MB",
        "client drops",
        "kernel drops",
        "increments delivered",
        "largest datagram",
        "delivery ms",
        "maxPendingBytes",
      ],
      rows,
    ),
    "",
    "Heap growth: `heapUsed` right after the burst minus before it, both after a forced GC " +
    "(`--expose-gc` on Node and Deno, `Bun.gc(true)`); external growth: the same for `external` (ArrayBuffer " +
    "contents, e.g. datagrams waiting to be sent, which `heapUsed` leaves out); heap after delivery: `heapUsed` " +
    "once the lines arrived. Client drops: the client's own `droppedLines` (ours) or the send errors it reported " +
    "(the others). Delivery ms: from the end of the burst until the receiver had every line (or stopped getting " +
    "more). The socket was opened before the burst. A generous row repeats a burst that dropped lines with " +
    "`maxPendingBytes` 256 MiB. The bursts into the real SpectatorD, at startup too, are in `npm run bench:e2e`.",
    ...(notes.length > 0 ? ["", ...notes] : []),
    "",
  ];
}

function notesSection(runs) {
  const numbered = reasons.map((reason, at) => `- [${at + 1}] ${reason}`);
  const notes = runs.filter((run) => !run.error).flatMap((run) =>
    CASES.filter((name) => name !== "burst" && run.result.cases[name]?.note && run.result.cases[name].status === "ok")
      .map((name) => `- ${runLabel(run)}, ${CASE_LABEL[name]}: ${run.result.cases[name].note}`)
  );
  const all = [...numbered, ...notes];
  return all.length > 0 ? ["## Notes", "", ...all, ""] : [];
}

function metersSection(meters) {
  return [
    "## Line formatting per meter type (`deno bench bench/meters_bench.ts`, discarding transport)",
    "",
    meters.error ? `failed: ${meters.error}` : table(
      ["group", "benchmark", "avg", "p75", "min"],
      meters.rows.map((row) => [row.group ?? "", row.name, ns(row.avg), ns(row.p75), ns(row.min)]),
    ),
    "",
  ];
}

/**
 * The whole report. `context`: `settings`, `info` (machine), `seconds`, `floors` (per runtime),
 * `meters`, `foldingNote`, `foldOffMissing`, `spectatorJsMissing`, `spectatorJsNote`, `receiver`, `command`.
 */
export function udpReport(runs, context) {
  const { settings, info } = context;
  const byId = Object.fromEntries(runs.map((run) => [run.id, run]));
  reasons = [];
  return [
    "# Per-update cost: @spectator/client vs spectator-js vs hot-shots",
    "",
    `Each case: ${settings.rounds} timed rounds (after 1 warm-up) of ${count(settings.ops)} updates, made in ` +
    `synchronous stretches of ${settings.stretch} with one event-loop turn after each; ns/op is the median round ` +
    "(stretches and turns, not the wait for delivery). Lines go over loopback UDP to a receiver in another process. " +
    `The burst is ${
      count(settings.burst)
    } updates of the hot counter in one synchronous run. ${context.spectatorJsNote}`,
    "",
    ...sideBySideSection(context.sideBySide, context),
    ...perProcessSection(byId, context),
    ...floorSection(context.sideBySide, context.floors),
    ...casesSection(runs, settings),
    ...peersSection(byId),
    ...burstSection(runs, settings),
    ...notesSection(runs),
    ...metersSection(context.meters),
    "## Machine",
    "",
    ...machineLines(info),
    `- receiver: Node, SO_RCVBUF ${bytes(context.receiver.rcvbuf)}`,
    `- settings: ${count(settings.ops)} updates per round, stretches of ${settings.stretch}, ${settings.rounds} ` +
    `timed rounds + 1 warm-up, burst ${count(settings.burst)}; @spectator/client with default options ` +
    "(maxPendingBytes 4 MiB) except the generous burst rows and the folding-off runs; spectator-js with its writer's " +
    "defaults; hot-shots with `maxBufferSize` 0 (default) or 8192 (8K)",
    `- wall time: ${Math.round(context.seconds)} s; command: \`${context.command}\``,
  ].join("\n");
}
