/**
 * Tests of the local agent stand-in (`cli.ts` and `src/cli/`): the
 * aggregation per meter type, the checker of lines and ids, the argument
 * parser, the renderers, the Unix datagram listener on every runtime that can
 * bind one, and end-to-end runs of the agent with real UDP and Unix sockets.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { Config, Registry } from "../mod.ts";
import { AgentAggregator, type IntervalReport } from "../src/cli/agent_aggregator.ts";
import { DEFAULT_AGENT_OPTIONS, startAgent } from "../cli.ts";
import { parseCliArgs } from "../src/cli/args.ts";
import { listenUnix } from "../src/cli/_listeners.ts";
import { renderDatagram, renderJson, renderTable } from "../src/cli/_render.ts";
import { DatagramCollector, type ReceivedDatagrams } from "./helpers/datagram_collector.ts";
import { random, randomInt } from "./helpers/random.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { listenUnix as listenInPython, tempSocketDir } from "./helpers/unix_listener.ts";
import { platform } from "../src/_platform.ts";

function clocked(): { aggregator: AgentAggregator; advance(ms: number): void } {
  let now = 1_000_000;
  const aggregator = new AgentAggregator({ now: () => now });
  return { aggregator, advance: (ms) => now += ms };
}

test("AgentAggregator publishes counters as rates per second", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:requests,status=200:3\nc:requests,status=200:7\nc:requests,status=200:0");
  advance(5000);
  const report = aggregator.publish();
  assert.deepEqual(report.meters["c:requests,status=200"], {
    symbol: "c",
    name: "requests",
    tags: { status: "200" },
    rate: 2,
  });
  assert.equal(report.lines, 3);
  advance(5000);
  assert.deepEqual(aggregator.publish().meters, {}, "a counter not updated is not published again");
});

test("AgentAggregator publishes timers and distribution summaries as count, total and max", () => {
  for (const [symbol, key] of [["t", "t"], ["T", "t"], ["d", "d"]]) {
    const { aggregator, advance } = clocked();
    aggregator.addDatagram(`${symbol}:latency:0.5\n${symbol}:latency:1.5\n${symbol}:latency:-1`);
    advance(5000);
    const meter = aggregator.publish().meters[`${key}:latency`];
    assert.deepEqual([meter.symbol, meter.count, meter.total, meter.max], [symbol, 2, 2, 1.5], symbol);
  }
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("D:bytes:2.9\nD:bytes:1.2");
  advance(5000);
  const meter = aggregator.publish().meters["d:bytes"];
  assert.deepEqual([meter.count, meter.total, meter.max], [2, 3, 2], "D amounts are truncated to integers");
});

test("AgentAggregator keeps a gauge's last value until its TTL passes", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("g:queue:3\ng:queue:5\ng,1:short:1");
  advance(5000);
  let meters = aggregator.publish().meters;
  assert.equal(meters["g:queue"].value, 5);
  assert.equal(meters["g:short"].value, 1);
  advance(5000);
  meters = aggregator.publish().meters;
  assert.equal(meters["g:queue"].value, 5, "kept within the default TTL of 900 s");
  assert.equal(meters["g:short"], undefined, "a TTL of 1 s is clamped to 5 s, then expires");
});

test("AgentAggregator publishes the largest value of a max gauge", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("m:peak:3\nm:peak:9\nm:peak:4");
  advance(5000);
  assert.equal(aggregator.publish().meters["m:peak"].value, 9);
  aggregator.addLine("m:peak:2");
  advance(5000);
  assert.equal(aggregator.publish().meters["m:peak"].value, 2, "each interval starts afresh");
});

test("AgentAggregator publishes age gauges as seconds since the last success", () => {
  const { aggregator, advance } = clocked();
  aggregator.addLine("A:lastRun:0"); // now: 1000 s
  aggregator.addLine("A:lastBackup:900");
  advance(5000);
  let meters = aggregator.publish().meters;
  assert.equal(meters["A:lastRun"].value, 5);
  assert.equal(meters["A:lastBackup"].value, 105);
  advance(5000);
  meters = aggregator.publish().meters;
  assert.equal(meters["A:lastRun"].value, 10, "kept and still ageing");
});

test("AgentAggregator publishes monotonic counters as their rate of change", () => {
  for (const symbol of ["C", "U"]) {
    const { aggregator, advance } = clocked();
    aggregator.addLine(`${symbol}:bytesSent:100`);
    advance(5000);
    assert.equal(aggregator.publish().meters[`${symbol}:bytesSent`], undefined, "no rate from one sample");
    aggregator.addLine(`${symbol}:bytesSent:150`);
    advance(5000);
    assert.equal(aggregator.publish().meters[`${symbol}:bytesSent`].rate, 10, symbol);
    advance(5000);
    assert.equal(aggregator.publish().meters[`${symbol}:bytesSent`], undefined, "no change: nothing published");
  }
});

test("AgentAggregator reports lines SpectatorD would reject, and does not aggregate them", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram(
    "x:name:1\nc::1\nc:name,k:1\nc:name:abc\nc:name:abc\ng,0:name:1\nX,0:name:1\nc:ok:1\0c:after_nul:1",
  );
  advance(5000);
  const report = aggregator.publish();
  assert.deepEqual(Object.keys(report.meters), ["c:ok"]);
  assert.deepEqual(report.rejectedLines.map((r) => [r.line, r.times]), [
    ["x:name:1", 1],
    ["c::1", 1],
    ["c:name,k:1", 1],
    ["c:name:abc", 2],
    ["g,0:name:1", 1],
    ["X,0:name:1", 1],
  ]);
  assert.match(report.rejectedLines[0].problem, /unknown meter type/);
  advance(5000);
  assert.deepEqual(aggregator.publish().rejectedLines, [], "each interval reports its own");
});

test("AgentAggregator reports ids Atlas would reject, still aggregating them", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:x,nf.color=a:1\nc:x,nf.color=a:1\nc:fine,key=v,nf.app=a:1");
  advance(1000);
  const report = aggregator.publish();
  assert.equal(report.meters["c:x,nf.color=a"].rate, 2);
  assert.deepEqual(report.rejectedIds, [{
    id: "x,nf.color=a",
    problems: [
      "name must be 2 to 255 characters: received 1",
      "tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
    ],
  }]);
});

test("AgentAggregator keeps a gauge's TTL when a line has none, as SpectatorD does", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("g,5:gauge.name:1.234\ng,15:gauge.name:1.234\ng:gauge.name:1.234");
  advance(15_000);
  assert.equal(aggregator.publish().meters["g:gauge.name"].value, 1.234, "within the TTL of 15 s");
  advance(1000);
  assert.equal(aggregator.publish().meters["g:gauge.name"], undefined, "not the default 900 s: expired after 15 s");
});

test("AgentAggregator keys meters by the id SpectatorD builds: sanitized, tags sorted, the last of a key winning", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:n,a=1,b=2:1\nc:n,b=2,a=1:1\nc:a b:1\nc:a_b:1\nc:n,a=0,b=2,a=1:1\nc:\u00e9:1");
  advance(1000);
  const report = aggregator.publish();
  assert.deepEqual(Object.keys(report.meters), ["c:__", "c:a_b", "c:n,a=1,b=2"]);
  assert.deepEqual(report.meters["c:n,a=1,b=2"], { symbol: "c", name: "n", tags: { a: "1", b: "2" }, rate: 3 });
  assert.equal(report.meters["c:a_b"].rate, 2);
  assert.deepEqual(report.rejectedIds.map((r) => r.id), ["n,a=1,b=2"], "Atlas checks __, not the 1-character \u00e9");
});

test("AgentAggregator shows nothing where SpectatorD publishes nothing", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:zero:0\nc:negative:-1\nt:negative:-1\nd:negative:-1\ng:nan:NaN\nC:flat:5\nU:flat:5");
  advance(5000);
  assert.deepEqual(aggregator.publish().meters, {});
  aggregator.addDatagram("C:flat:4\nU:flat:5");
  advance(5000);
  assert.deepEqual(aggregator.publish().meters, {}, "a monotonic counter whose delta is not positive");
});

test("AgentAggregator accepts what SpectatorD's parser accepts, warning where it warns", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:x:1\r\nc:x:1 \nc:n,k=a=b:1\nU:u:10\nc:x:1abc\nS:dcs.name:YQ==\nS:dcs.name:1");
  aggregator.addDatagram("X,1000:sampled:10\nX,3000:sampled:30");
  advance(5000);
  let report = aggregator.publish();
  assert.equal(report.meters["c:x"].rate, 0.6);
  assert.deepEqual(report.meters["c:n,k=a_b"].tags, { k: "a_b" });
  assert.deepEqual(report.warnedLines.map((r) => r.line), ["c:x:1abc"]);
  // A line is read whole before its type is checked, as SpectatorD does.
  assert.deepEqual(report.rejectedLines.map((r) => [r.line, r.problem]), [
    ["S:dcs.name:YQ==", 'value "YQ==" is not a number to strtod'],
    ["S:dcs.name:1", 'unknown meter type "S"'],
  ]);
  aggregator.addDatagram("U:u:21.5\nX,5000:sampled:70");
  advance(5000);
  report = aggregator.publish();
  assert.equal(report.meters["U:u"].rate, 11 / 5, "21.5 is read as 21");
  assert.equal(report.meters["X:sampled"], undefined, "X lines are parsed, and SpectatorD publishes nothing for them");
  assert.deepEqual([report.rejectedLines, report.warnedLines.map((r) => r.line)], [[], ["U:u:21.5"]]);
  aggregator.addLine("U:u:-1");
  advance(5000);
  assert.equal(aggregator.publish().meters["U:u"].rate, 0, "up by 2^64 - 22: over 2^63, taken for a reset");
  aggregator.addLine("U:u:4");
  advance(5000);
  assert.equal(aggregator.publish().meters["U:u"].rate, 1, "-1 rolled over to 2^64 - 1, and 4 is 5 more");
});

test("AgentAggregator converts numbers as SpectatorD does: timers in whole ns, D to int64, max gauges, U jumps", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram(
    "t:lat:1.2345678912\nt:lat:-1e-10\nt:lat:1e10\nt:lat:NaN\nD:size:9.9\nD:size:1e19\nD:size:-0.5",
  );
  aggregator.addDatagram("m:max:NaN\nm:max:-inf\nm:none:NaN\nm:none:-inf\nU:jump:0");
  advance(5000);
  let meters = aggregator.publish().meters;
  assert.deepEqual([meters["t:lat"].count, meters["t:lat"].total, meters["t:lat"].max], [2, 1.234567891, 1.234567891]);
  assert.deepEqual([meters["d:size"].count, meters["d:size"].total, meters["d:size"].max], [2, 9, 9]);
  assert.equal(meters["m:max"], undefined, "NaN and -inf never raise a max gauge");
  assert.deepEqual(Object.keys(meters), ["d:size", "t:lat"]);
  aggregator.addDatagram("U:jump:18446744073709551615\nm:max:-1");
  advance(5000);
  meters = aggregator.publish().meters;
  assert.equal(meters["U:jump"].rate, 0, "an increase over 2^63 is taken for a reset");
  assert.equal(meters["m:max"].value, -1);
});

test("AgentAggregator shows T and t (D and d) lines with one id as one meter", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("t:lat:1\nT:lat:3\nd:size:1\nD:size:2.5");
  advance(5000);
  const meters = aggregator.publish().meters;
  assert.deepEqual(Object.keys(meters), ["d:size", "t:lat"]);
  assert.deepEqual([meters["t:lat"].symbol, meters["t:lat"].count, meters["t:lat"].total], ["T", 2, 4]);
  assert.deepEqual([meters["d:size"].symbol, meters["d:size"].count, meters["d:size"].total], ["D", 2, 3]);
});

test("AgentAggregator computes U deltas exactly and across the wrap past 2^64", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("U:wrap:18446744073709551615\nU:big:9007199254740993");
  advance(5000);
  aggregator.publish();
  aggregator.addDatagram("U:wrap:4\nU:big:9007199254740998");
  advance(5000);
  const meters = aggregator.publish().meters;
  assert.equal(meters["U:wrap"].rate, 1, "5 more, past 2^64");
  assert.equal(meters["U:big"].rate, 1, "5 more, beyond 2^53");
});

test("AgentAggregator never throws on random input", () => {
  const next = random(0xc11);
  const { aggregator, advance } = clocked();
  const decoder = new TextDecoder();
  const alphabet = "cdtgmCDTAUX:,=.\n\0 -+0123456789eEinfa\u00e9\u{1f600}";
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(randomInt(next, 64)).map(() => randomInt(next, 256));
    aggregator.addDatagram(decoder.decode(bytes));
    let text = "";
    for (let j = randomInt(next, 40); j > 0; j--) text += [...alphabet][randomInt(next, [...alphabet].length)];
    aggregator.addDatagram(text);
    if (i % 100 === 0) {
      advance(1000);
      const report = aggregator.publish();
      renderTable(report);
      JSON.parse(renderJson(report));
    }
  }
});

test("renderTable() and renderJson() show meters and rejections", () => {
  const { aggregator, advance } = clocked();
  aggregator.addDatagram("c:requests:5\nA:old:-inf\nbad\nc:requests:1x");
  advance(5000);
  const report = aggregator.publish();
  const table = renderTable(report);
  assert.match(table, /^c\s+requests\s+1\.2\b/m);
  assert.match(table, /Lines SpectatorD would reject:\n {2}"bad": /);
  assert.match(table, /Lines SpectatorD accepts with a warning:\n {2}"c:requests:1x": ignoring "x" after the value 1/);
  const json = JSON.parse(renderJson(report)) as IntervalReport;
  assert.equal(json.meters["A:old"].value, "Infinity" as unknown as number);
});

test("renderTable() puts an id wider than its column on a line of its own, its values below in their columns", () => {
  const { aggregator, advance } = clocked();
  const long = `tags,key=${"v".repeat(90)}`;
  aggregator.addDatagram(`c:${long}:5\nd:short:2`);
  advance(5000);
  const lines = renderTable(aggregator.publish()).split("\n");
  const header = lines.find((line) => line.startsWith("type"))!;
  const longRow = lines.findIndex((line) => line === `c     ${long}`);
  assert.ok(longRow > 0, lines.join("\n"));
  const values = lines[longRow + 1];
  assert.equal(values.trim(), "1");
  assert.equal(values.indexOf("1"), header.indexOf("rate/s"), "the rate sits in its column");
  const short = lines.find((line) => line.startsWith("d     short"))!;
  assert.equal(short.indexOf("1"), header.indexOf("count"));
});

test("parseCliArgs() reads options and rejects bad ones", () => {
  assert.deepEqual(parseCliArgs([]), { ...DEFAULT_AGENT_OPTIONS, help: false });
  const { port, host, intervalMs } = DEFAULT_AGENT_OPTIONS;
  assert.deepEqual([port, host, intervalMs], [1234, "127.0.0.1", 5000], "where and how often SpectatorD listens");
  const options = parseCliArgs([
    "--port=0",
    "--interval",
    "200",
    "--duration",
    "1.5",
    "--json",
    "--once",
    "--unix",
    "/x",
    "--lines",
  ]);
  assert.deepEqual(
    [
      options.port,
      options.intervalMs,
      options.durationSeconds,
      options.json,
      options.once,
      options.unix,
      options.lines,
    ],
    [0, 200, 1.5, true, true, "/x", true],
  );
  assert.throws(
    () => parseCliArgs(["--port", "70000"]),
    /^RangeError: Cannot parse arguments: --port \(port\) must be an integer from 0 to 65535: received 70000$/,
  );
  assert.throws(() => parseCliArgs(["--port", "1.5"]), /--port \(port\) must be an integer/);
  assert.throws(() => parseCliArgs(["--port"]), /--port needs a value/);
  assert.throws(() => parseCliArgs(["--interval", "abc"]), /--interval must be a number: received "abc"/);
  assert.throws(() => parseCliArgs(["--interval", "5"]), /--interval \(intervalMs\) must be a number from 10 to/);
  assert.throws(() => parseCliArgs(["--nope"]), /unknown option: received "--nope"/);
  assert.throws(() => parseCliArgs(["--nope=1"]), /unknown option: received "--nope=1"/);
  assert.throws(() => parseCliArgs(["extra"]), /unknown option: received "extra"/);
  assert.throws(() => parseCliArgs(["--", "x"]), /unknown option: received "--"/);
  assert.throws(() => parseCliArgs(["--port="]), /--port must be a number: received ""/);
  assert.throws(() => parseCliArgs(["--port", "--json"]), /--port must be a number: received "--json"/);
  assert.equal(parseCliArgs(["-h"]).help, true);
  assert.equal(parseCliArgs(["--help", "--port", "0"]).help, true);
  assert.throws(
    () => parseCliArgs(["--port", "-1"]),
    /--port \(port\) must be an integer from 0 to 65535: received -1/,
  );
});

test("startAgent() rejects options out of range before binding anything, naming the option and the value", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ port: -1 }, /--port \(port\) must be an integer from 0 to 65535: received -1/],
    [{ port: "1234" }, /--port \(port\) must be an integer from 0 to 65535: received "1234"/],
    [{ intervalMs: NaN }, /--interval \(intervalMs\) must be a number from 10 to 86400000: received NaN/],
    [{ durationSeconds: -5 }, /--duration \(durationSeconds\) must be a number from 0 to 31536000: received -5/],
    [{ host: "" }, /--host \(host\) must be a non-empty string: received /],
    [{ lines: "yes" }, /--lines \(lines\) must be true or false: received yes/],
  ];
  for (const [options, message] of cases) await assert.rejects(startAgent(options), message);
});

test("renderDatagram() shows a datagram's size and lines, or one JSON line", () => {
  assert.equal(
    renderDatagram("c:requests:1\nt:latency:0.5", 28, false),
    "datagram of 2 lines, 28 bytes:\n  c:requests:1\n  t:latency:0.5\n",
  );
  assert.equal(renderDatagram("c:requests:1", 12, false), "datagram of 1 line, 12 bytes:\n  c:requests:1\n");
  assert.equal(renderDatagram("c:requests:1\nbad", 16, true), '{"datagram":["c:requests:1","bad"]}\n');
});

test("startAgent() runs in-process: prints datagrams as they arrive, waits for lines, reports on stop()", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const agent = await startAgent(
    { port: 0, lines: true },
    { out: (text) => out.push(text), err: (text) => err.push(text), isTty: true },
  );
  assert.match(agent.locations[0], /^udp:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(err, [`agent: listening on ${agent.locations[0]}, publishing every 5000 ms\n`]);
  assert.equal(await agent.waitForLines(1, 20), false, "nothing has arrived yet");
  const registry = new Registry(new Config({ location: agent.locations[0] }));
  registry.counter("agent.requests").increment();
  registry.timer("agent.latency").record(0.25);
  await registry.close();
  assert.equal(await agent.waitForLines(2), true);
  assert.equal(agent.receivedLines, 2);
  // The counter's line is folded until the end of the turn, so the timer's comes first.
  assert.equal(out.join(""), "datagram of 2 lines, 39 bytes:\n  t:agent.latency:0.25\n  c:agent.requests:1\n");
  await agent.stop();
  await agent.done;
  const table = out.slice(1).join("");
  assert.ok(!table.includes("\x1b[2J"), "the screen is not cleared when lines are printed");
  assert.match(table, /^c\s+agent\.requests\s+\d/m);
  assert.match(table, /^t\s+agent\.latency\s+1\s+0\.25\s+0\.25$/m);
  await agent.stop(); // idempotent
});

/** Whether this runtime can bind a Unix datagram socket: Deno (`-A` grants FFI) and Bun can, Node cannot. */
const bindsUnix = platform().runtime !== "node";
/** For the tests of a runtime that binds Unix datagram sockets (all but Node). */
const UNIX_LISTENER = { skip: bindsUnix ? false : "Node cannot bind Unix datagram sockets" };

/** What {@linkcode listenUnix} says on a runtime that cannot bind a Unix datagram socket, after the path. */
const CANNOT_BIND_UNIX = "run with Deno --unstable-net or --allow-ffi, or Bun; " +
  "Node cannot bind Unix datagram sockets without native addons (use --port for UDP)";

/** A listener from {@linkcode listenUnix} at `path`, recording what it receives. */
async function unixAgentSocket(path: string): Promise<ReceivedDatagrams & { close(): Promise<void> }> {
  const collector = new DatagramCollector({ where: () => path, timeoutMs: 3000 });
  const listener = await listenUnix(path, (bytes) => collector.add(bytes));
  assert.equal(listener.location, `unix://${path}`);
  return { ...collector.received, close: () => listener.close() };
}

/** Runs `use` with a listener from {@linkcode listenUnix} in a fresh directory, then closes it and removes the directory. */
async function withUnixAgentSocket(use: (socket: ReceivedDatagrams, path: string) => Promise<void>): Promise<void> {
  const dir = tempSocketDir();
  try {
    const socket = await unixAgentSocket(dir.path());
    try {
      await use(socket, dir.path());
    } finally {
      await socket.close();
    }
  } finally {
    dir.remove();
  }
}

/** Sends each datagram to `path` from a `python3` child, one right after another: a sender sharing no code with the library. */
async function sendFromPython(path: string, datagrams: string[]): Promise<void> {
  const script = "import socket, sys\n" +
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n" +
    "for line in sys.stdin: s.sendto(bytes.fromhex(line.strip()), sys.argv[1])\n";
  const child = spawn("python3", ["-c", script, path], { stdio: ["pipe", "ignore", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.stdin.end(datagrams.map((datagram) => `${Buffer.from(datagram).toString("hex")}\n`).join(""));
  assert.equal(await exited, 0, "python3 sent every datagram");
}

/** `count` counter lines, `c:<prefix>.000000:1` and on. */
function counterLines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `c:${prefix}.${String(i).padStart(6, "0")}:1`);
}

test(
  "listenUnix() receives a Registry's datagrams over a Unix socket: a burst split near 60 KiB, then one more",
  UNIX_LISTENER,
  async () => {
    await withUnixAgentSocket(async (socket, path) => {
      const registry = new Registry(new Config({ location: `unix://${path}` }));
      const burst = counterLines("cli.unix.burst.counter", 2500); // 85 KB in one stretch: two datagrams, back to back
      for (const line of burst) registry.counter(line.slice(2, -2)).increment();
      await registry.flush();
      registry.timer("cli.unix.latency").record(0.5);
      await registry.close();
      await socket.waitForDatagrams(3);
      assert.deepEqual(socket.lines(), [...burst, "t:cli.unix.latency:0.5"]);
      assert.equal(socket.datagrams.length, 3);
      assert.ok(
        socket.sizes[0] > 60_000 && socket.sizes[0] <= 61_440,
        `the first datagram has ${socket.sizes[0]} bytes`,
      );
    });
  },
);

test(
  "listenUnix() receives datagrams from an independent sender exactly, a 60 KiB one and an empty one included",
  UNIX_LISTENER,
  async () => {
    await withUnixAgentSocket(async (socket, path) => {
      const sent = ["c:py.one:1", counterLines("py.big.datagram.counter", 1750).join("\n"), "", "g:py.last:2"];
      assert.equal(sent[1].length, 61_249);
      await sendFromPython(path, sent);
      assert.deepEqual(await socket.waitForDatagrams(sent.length), sent);
    });
  },
);

test(
  "listenUnix() replaces a stale socket file; close() removes the file and is idempotent",
  UNIX_LISTENER,
  async () => {
    const dir = tempSocketDir();
    const path = dir.path();
    try {
      await (await listenInPython(path)).close(); // killed: its socket file stays, as a crashed agent's does
      assert.ok(lstatSync(path).isSocket(), "a stale socket file is there");
      const socket = await unixAgentSocket(path);
      await sendFromPython(path, ["c:cli.fresh:1"]);
      assert.deepEqual(await socket.waitForDatagrams(1), ["c:cli.fresh:1"]);
      await socket.close();
      assert.equal(existsSync(path), false, "close() removed the socket file");
      await socket.close();
      assert.equal(existsSync(path), false);
    } finally {
      dir.remove();
    }
  },
);

test("listenUnix() refuses to replace a file that is not a socket, and leaves it alone", UNIX_LISTENER, async () => {
  const dir = tempSocketDir();
  try {
    const path = dir.path("not-a-socket.txt");
    writeFileSync(path, "keep me");
    await assert.rejects(listenUnix(path, () => {}), {
      message:
        `Cannot listen on unix://${path}: something that is not a socket is there; remove it or pick another path`,
    });
    assert.equal(readFileSync(path, "utf8"), "keep me");
  } finally {
    dir.remove();
  }
});

test("listenUnix() rejects on Node, naming what can bind a Unix datagram socket", {
  skip: bindsUnix ? "this runtime binds Unix datagram sockets" : false,
}, async () => {
  const dir = tempSocketDir();
  try {
    const path = dir.path();
    await assert.rejects(listenUnix(path, () => {}), {
      message: `Cannot listen on unix://${path}: ${CANNOT_BIND_UNIX}`,
    });
  } finally {
    dir.remove();
  }
});

test("listenUnix() on Deno: binds through the C library with --allow-ffi alone, else names the flags it needs", {
  skip: platform().runtime === "deno" ? false : "Deno only",
}, async () => {
  const dir = tempSocketDir();
  try {
    const run = (flags: string[]) => runFixture("unix_listen_fixture", { args: [dir.path()], denoFlags: flags });
    const [ffi, neither] = await Promise.all([
      run(["--allow-ffi", "--allow-read", "--allow-write"]),
      run(["--allow-read", "--allow-write"]),
    ]);
    assert.equal(ffi.stdout, "received c:cli.child:1\n", ffi.stderr);
    assert.equal(neither.stdout, `error: Cannot listen on unix://${dir.path()}: ${CANNOT_BIND_UNIX}\n`, neither.stderr);
  } finally {
    dir.remove();
  }
});

test("startAgent() with a unix path aggregates what a Registry sends over the Unix socket", UNIX_LISTENER, async () => {
  const dir = tempSocketDir();
  const out: string[] = [];
  try {
    const agent = await startAgent(
      { port: 0, unix: dir.path() },
      { out: (text) => out.push(text), err: () => {}, isTty: false },
    );
    assert.deepEqual(agent.locations.slice(1), [`unix://${dir.path()}`]);
    const registry = new Registry(new Config({ location: agent.locations[1] }));
    registry.counter("agent.unix.requests").increment();
    registry.distributionSummary("agent.unix.bytes").record(512);
    await registry.close();
    assert.equal(await agent.waitForLines(2), true);
    await agent.stop();
    await agent.done;
    const table = out.join("");
    assert.match(table, /^c\s+agent\.unix\.requests\s+\d/m);
    assert.match(table, /^d\s+agent\.unix\.bytes\s+1\s+512\s+512$/m);
    assert.equal(existsSync(dir.path()), false, "stop() removed the socket file");
  } finally {
    dir.remove();
  }
});

test("cli.ts aggregates what a Registry sends over UDP and reports rejections as JSON", async () => {
  // The agent binds a free port itself (--port 0) and names it on standard error.
  let announced: (port: number) => void;
  const listening = new Promise<number>((resolve) => announced = resolve);
  let stderrSoFar = "";
  const child = runFixture("cli", {
    topLevel: true,
    args: ["--port", "0", "--json", "--interval", "200", "--duration", "1.2"],
    onStderr: (text) => {
      stderrSoFar += text;
      const port = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(stderrSoFar)?.[1];
      if (port !== undefined) announced(Number(port));
    },
  });
  const port = await Promise.race([listening, child.then((result) => assert.fail(`cli.ts exited: ${result.stderr}`))]);
  let running = true;
  child.finally(() => running = false).catch(() => {});
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const registry = new Registry(new Config({ location: `udp://127.0.0.1:${port}`, logger: silent }));
  const raw = dgram.createSocket("udp4");
  raw.on("error", () => {});
  const next = random(0xcafe);
  try {
    // The same batch every 20 ms, over several intervals, until the agent exits after its duration.
    while (running) {
      registry.counter("cli.requests", { status: "200" }).increment();
      registry.timer("cli.latency").record(0.5);
      registry.counter("x", { "nf.color": "bad" }).increment();
      await new Promise<void>((resolve) => raw.send("c:cli.broken:oops", port, "127.0.0.1", () => resolve()));
      const junk = new Uint8Array(randomInt(next, 300)).map(() => randomInt(next, 256));
      await new Promise<void>((resolve) => raw.send(junk, port, "127.0.0.1", () => resolve()));
      await registry.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await registry.close();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  }
  const { code, stdout, stderr } = await child;
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`listening on udp://127\\.0\\.0\\.1:${port}`));
  const reports = stdout.trim().split("\n").map((line) => JSON.parse(line) as IntervalReport);
  assert.ok(reports.length >= 3, stdout);
  const busy = reports.filter((r) => r.meters["c:cli.requests,status=200"] !== undefined);
  assert.ok(busy.length >= 2, stdout);
  for (const report of busy) {
    const requests = report.meters["c:cli.requests,status=200"];
    const latency = report.meters["t:cli.latency"];
    const sent = requests.rate! * report.intervalSeconds;
    assert.ok(Math.abs(sent - Math.round(sent)) < 1e-6 && sent >= 1, `rate ${requests.rate}`);
    assert.equal(latency.count, Math.round(sent));
    assert.equal(latency.total, 0.5 * latency.count!);
    assert.equal(latency.max, 0.5);
    assert.ok(report.rejectedLines.some((r) => r.line === "c:cli.broken:oops" && /strtod/.test(r.problem)));
    assert.deepEqual(report.rejectedIds.find((r) => r.id === "x,nf.color=bad")?.problems, [
      "name must be 2 to 255 characters: received 1",
      "tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
    ]);
  }
});
