// The agent stand-in (spectator-agent, cli.ts) agrees with the real SpectatorD: one stream of lines (every odd but
// accepted form and every rejected form SpectatorD knows, all meter types, repeated ids, gauges with and without a
// TTL) goes to both in the same datagrams, in two intervals; what the stand-in reports for each interval is what the
// real agent published to a local stub for it (in SpectatorD's terms: counts per interval, timer and distribution
// summary count/total/max, gauges, maxima; age gauges by id only; percentile buckets are not shown by the stand-in),
// and it rejects and warns about the same lines. Runs once, on Deno (it checks the stand-in, not a runtime). Part of
// the "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, test } from "node:test";
import { type IntervalReport, type RunningAgent, startAgent } from "../../cli.ts";
import { type PublishedMeasurement, type PublishStub, startPublishStub } from "../helpers/atlas_publish_stub.ts";
import { type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { tick, until } from "../helpers/wait.ts";

/** The first interval: every form, and the first value of each monotonic counter. */
const FIRST: string[][] = [
  [
    "c:agree.counter:1",
    "c:agree.counter:2.5",
    "c:agree.counter:-3",
    "c:agree.sorted,b=2,a=1:1",
    "c:agree.sorted,a=1,b=2:1",
    "c:agree.repeated,k=1,k=2:4",
    "c:agree.nan:1",
    "c:agree.nan:nan",
    "c:agree.inf:inf",
    "c:agree.hex:0x10",
    "c:agree.odd:1xyz",
    "c:agree.space:1 ",
    "c:agree é:1",
    "c:agree.kv,k=a=b:1",
    "c:agree.empty,=v:1",
    "c:agree.empty2,k=:1",
    "c:agree.zero:0",
  ],
  [
    "t:agree.timer:0.5",
    "t:agree.timer:1.2345678912",
    "t:agree.timer:-1",
    "t:agree.timer:-1e-10",
    "t:agree.timer:1e10",
    "t:agree.timer:nan",
    "T:agree.pct:0.25",
    "t:agree.pct:0.75",
    "d:agree.dist:1.5",
    "d:agree.dist:2.25",
    "d:agree.dist:-1",
    "D:agree.pdist:9.9",
    "D:agree.pdist:-0.5",
    "D:agree.pdist:1e19",
    "d:agree.pdist:3.5",
  ],
  [
    "g:agree.gauge:1",
    "g:agree.gauge:2",
    "g,60:agree.ttl:5",
    "g:agree.ttl:6",
    "g:agree.nangauge:nan",
    "g:agree.neginf:-inf",
    "m:agree.max:5",
    "m:agree.max:nan",
    "m:agree.max:7",
    "m:agree.max:-1",
    "m:agree.maxnan:nan",
    "m:agree.maxneg:-inf",
    "A:agree.age:0",
    "A:agree.age2:1700000000",
    "C:agree.mono:10",
    "C:agree.monodown:10",
    "U:agree.umono:18446744073709551610",
    "U:agree.ufrac:21.5",
    "U:agree.uneg:-1",
    "U:agree.uover:0",
    "X,1700000000000:agree.sampled:5",
    "X:agree.sampled2:5",
  ],
  [
    "c:agree.noval",
    "c:agree.x:",
    "c:agree.x:abc",
    "c:agree.x,novalue:1",
    "c agree.sep:1",
    "c::1",
    "g,0:agree.g0:1",
    "g,x:agree.gx:1",
    "g,5x:agree.g5x:1",
    "z:agree.z:1",
    "S:agree.s:1",
    "s:agree.s2:1",
    "X,0:agree.x0:1",
  ],
];

/** The second interval: the monotonic counters move (a U wraps; another grows by more than 2^63), and a few more. */
const SECOND: string[][] = [[
  "C:agree.mono:25.5",
  "C:agree.monodown:3",
  "U:agree.umono:5",
  "U:agree.ufrac:30",
  "U:agree.uneg:4",
  "U:agree.uover:18446744073709551615",
  "X,1700000005000:agree.sampled:9",
  "c:agree.counter:3",
  "m:agree.max:1",
  // A TTL under 5 s counts as 5 s: set in the last interval, so that it cannot expire before both have reported.
  "g,3:agree.short:7",
]];

const STAND_IN_INTERVAL_MS = 1500;
let stub: PublishStub;
let agent: Spectatord;
let standIn: RunningAgent;
const reports: IntervalReport[] = [];
let sender: dgram.Socket;

before(async () => {
  stub = await startPublishStub();
  agent = await startSpectatord({ publishUri: stub.uri, frequencySeconds: 1 });
  standIn = await startAgent({ port: 0, json: true, intervalMs: STAND_IN_INTERVAL_MS }, {
    out: (text) => reports.push(...text.trim().split("\n").map(parseReport)),
    err: () => {},
    isTty: false,
  });
  sender = dgram.createSocket("udp4");
});
after(async () => {
  sender?.close();
  await standIn?.stop();
  await agent?.stop();
  await stub?.close();
});

/** Reads a JSON report, whose non-finite numbers are strings ("NaN", "Infinity"). */
function parseReport(json: string): IntervalReport {
  return JSON.parse(json, (_key, value) => ["NaN", "Infinity", "-Infinity"].includes(value) ? Number(value) : value);
}

/** A measurement in SpectatorD's terms: id (name and tags, sorted), statistic, value. */
type View = Record<string, number>;

function viewKey(name: string, tags: Record<string, string>, statistic: string): string {
  const sorted = Object.entries(tags).filter(([key]) => key !== "statistic").sort(([a], [b]) => a < b ? -1 : 1);
  return `${[name, ...sorted.map(([k, v]) => `${k}=${v}`)].join(",")} ${statistic}`;
}

/** Rounds away the last bits a rate times an interval may differ in; keeps NaN and infinities. */
const round = (value: number) => Number(value.toPrecision(12));

/**
 * What the real agent published over `payloads` for the stream: additive statistics summed, maxima the largest,
 * gauges from the last payload that has them; sums of squares and percentile buckets left out; age gauges 0.
 */
function publishedView(payloads: PublishedMeasurement[][]): View {
  const view: View = {};
  for (const payload of payloads) {
    for (const { tags, op, value } of payload) {
      const { name, statistic, ...rest } = tags;
      // The agent's own metrics (spectatord.*, its HTTP client's ipc.*) are not from the stream.
      if (!name.startsWith("agree") || statistic === "totalOfSquares" || statistic === "percentile") continue;
      const key = viewKey(name, rest, statistic);
      if (name.startsWith("agree.age")) view[key] = 0;
      else if (op === 0) view[key] = round((view[key] ?? 0) + value);
      else view[key] = statistic === "max" ? Math.max(view[key] ?? -Infinity, value) : round(value);
    }
  }
  return view;
}

/** What the stand-in says SpectatorD publishes for `report`'s interval, in the same terms. */
function standInView(report: IntervalReport): View {
  const view: View = {};
  for (const meter of Object.values(report.meters)) {
    const key = (statistic: string) => viewKey(meter.name, meter.tags, statistic);
    switch (meter.symbol) {
      case "c":
      case "C":
      case "U":
        view[key("count")] = round(meter.rate! * report.intervalSeconds);
        break;
      case "t":
      case "T":
      case "d":
      case "D": {
        const total = meter.symbol === "t" || meter.symbol === "T" ? "totalTime" : "totalAmount";
        view[key("count")] = meter.count!;
        view[key(total)] = round(meter.total!);
        view[key("max")] = meter.max!;
        break;
      }
      case "g":
        view[key("gauge")] = round(meter.value!);
        break;
      case "A":
        view[key("gauge")] = 0;
        break;
      default: // m
        view[key("max")] = meter.value!;
    }
  }
  return view;
}

/** The real agent's log lines of one kind since `from`: `Parse error for '<line>'` or `While parsing <rest>`. */
function logged(from: number, pattern: RegExp): string[] {
  return [...agent.output().slice(from).matchAll(pattern)].map((match) => match[1]).sort();
}

/**
 * Sends `datagrams` and a last gauge line marking the interval to both agents right after a stand-in report (so they
 * fall in one of its intervals), waits until both have them and the real agent has published twice more, and returns
 * the stand-in's report for the interval and the real agent's payloads since the send.
 */
async function feed(
  datagrams: string[][],
  marker: number,
): Promise<{ report: IntervalReport; payloads: PublishedMeasurement[][] }> {
  const marked = [...datagrams.slice(0, -1), [...datagrams.at(-1)!, `g:agree.marker:${marker}`]];
  const lines = marked.flat().length;
  const receivedBefore = standIn.receivedLines;
  const reportsBefore = reports.length;
  await until(() => reports.length > reportsBefore, "a stand-in report", { timeoutMs: 10_000, intervalMs: 5 });
  const mark = stub.payloads.length;
  const ports = [agent.port, Number(new URL(standIn.locations[0]).port)];
  for (const datagram of marked) {
    const bytes = new TextEncoder().encode(datagram.join("\n"));
    for (const port of ports) {
      await new Promise<void>((resolve, reject) =>
        sender.send(bytes, port, "127.0.0.1", (e) => e ? reject(e) : resolve())
      );
    }
  }
  assert.ok(await standIn.waitForLines(receivedBefore + lines, 5000), "the stand-in received every line");
  // Lines are parsed in order: once the marker shows, the real agent has parsed the stream.
  const deadline = Date.now() + 10_000;
  while (await agent.value("gauges", "agree.marker") !== marker) {
    assert.ok(Date.now() < deadline, "the real agent shows the stream's marker within 10 s");
    await tick(10);
  }
  await stub.waitForPayloads(stub.payloads.length + 2);
  await until(() => reports.length >= reportsBefore + 2, "two more stand-in reports", { timeoutMs: 10_000 });
  const report = reports[reportsBefore + 1];
  assert.equal(
    report.lines,
    lines,
    "the stand-in's interval holds exactly the stream (no interval boundary inside it)",
  );
  return { report, payloads: stub.payloads.slice(mark) };
}

/** The lines the real agent rejected over `payloads`, from its own published `spectatord.parseErrors`. */
function publishedParseErrors(payloads: PublishedMeasurement[][]): number {
  return payloads.flat().filter((m) => m.tags.name === "spectatord.parseErrors").reduce((sum, m) => sum + m.value, 0);
}

test("the stand-in reports, rejects and warns about one stream of lines as the real SpectatorD does", async () => {
  for (const [marker, datagrams] of [FIRST, SECOND].entries()) {
    const logFrom = agent.output().length;
    const { report, payloads } = await feed(datagrams, marker);
    const what = `interval ${marker + 1}`;
    assert.deepEqual(standInView(report), publishedView(payloads), what);

    const rejected = report.rejectedLines.flatMap(({ line, times }) => Array<string>(times).fill(line));
    assert.equal(rejected.length, publishedParseErrors(payloads), `${what}: as many lines rejected`);
    // SpectatorD logs every rejected line but those of an unknown type.
    const logs = report.rejectedLines.filter(({ problem }) => !problem.startsWith("unknown meter type"));
    assert.deepEqual(logs.map(({ line }) => line).sort(), logged(logFrom, /Parse error for '(.*)': /g), what);
    // It logs a warning with the line after its `<type>[,option]:`.
    const warned = report.warnedLines.map(({ line }) => line.replace(/^[^:]*:/, "")).sort();
    assert.deepEqual(warned, logged(logFrom, /While parsing (.*): Got /g), `${what}: the same lines warned about`);
  }
});
