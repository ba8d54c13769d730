/**
 * Tests of the agent stand-in's live view (`src/cli/ui/`) on every runtime:
 * what the history keeps and how it is bounded, and the server: 127.0.0.1
 * only, its assets and headers, the event stream, pages that go away
 * mid-stream, a port in use, and the agent's `ui` option end to end. The
 * page itself is tested in a real browser (`tests/browser/`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, request } from "node:http";
import { createServer, type Server } from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Config, Registry } from "../mod.ts";
import { platform } from "../src/_platform.ts";
import { startAgent } from "../cli.ts";
import { AgentAggregator } from "../src/cli/agent_aggregator.ts";
import { parseCliArgs } from "../src/cli/args.ts";
import { ViewHistory, type ViewInterval, type ViewSnapshot } from "../src/cli/ui/_history.ts";
import { LIVE_VIEW_HOST, serveLiveView } from "../src/cli/ui/_server.ts";
import { SPECTATOR_VARIABLES } from "./helpers/env.ts";
import { openEventStream } from "./helpers/sse_client.ts";
import { until } from "./helpers/wait.ts";

function clocked(): { aggregator: AgentAggregator; advance(ms: number): void } {
  let now = 1_000_000;
  const aggregator = new AgentAggregator({ now: () => now });
  return { aggregator, advance: (ms) => now += ms };
}

/** Answers a GET of `path` with the given Host header (fetch cannot set one). */
function get(port: number, path: string, host = `${LIVE_VIEW_HOST}:${port}`, address = LIVE_VIEW_HOST) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: address, port, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => body += chunk);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A UDP port that was free a moment ago: bound to 0, read back, released. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** Resolves with the error code of a TCP connection to `host:port` (or "connected"). */
function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/", agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve("connected");
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

test("ViewHistory charts counters as rates, gauges as values, timers as count, mean and max, age gauges as age", () => {
  const { aggregator, advance } = clocked();
  const history = new ViewHistory();
  aggregator.addDatagram(
    "c:requests,status=200:10\ng:queue:7\nm:peak:4\nm:peak:9\nt:latency:0.5\nt:latency:1.5\nD:bytes:10\nA:lastRun:0",
  );
  advance(5000);
  const first = history.add(aggregator.publish());
  const meters = Object.fromEntries(first.added.map((m) => [m.key, m]));
  const keys = ["A:lastRun", "c:requests,status=200", "d:bytes", "g:queue", "m:peak", "t:latency"];
  assert.deepEqual(Object.keys(meters).sort(), keys);
  assert.deepEqual(meters["c:requests,status=200"], {
    key: "c:requests,status=200",
    symbol: "c",
    name: "requests",
    tags: { status: "200" },
    kind: "rate",
    labels: ["rate/s"],
    series: [[2]],
  });
  assert.deepEqual([meters["g:queue"].labels, meters["g:queue"].series], [["value"], [[7]]]);
  assert.deepEqual(meters["m:peak"].series, [[9]]);
  const timer = meters["t:latency"];
  assert.deepEqual([timer.labels, timer.series], [["count", "mean s", "max s"], [[2], [1], [1.5]]]);
  assert.deepEqual([meters["d:bytes"].symbol, meters["d:bytes"].labels], ["D", ["count", "mean", "max"]]);
  assert.deepEqual([meters["A:lastRun"].kind, meters["A:lastRun"].series], ["age", [[5]]]);

  aggregator.addLine("g:queue:inf");
  advance(5000);
  const second = history.add(aggregator.publish());
  assert.deepEqual(second.added, []);
  assert.deepEqual(second.points, {
    "A:lastRun": [10],
    "c:requests,status=200": [0],
    "d:bytes": [0, null, null],
    "g:queue": ["Infinity"],
    "m:peak": [null],
    "t:latency": [0, null, null],
  }, "nothing published: 0 for rates and counts, a gap for values; non-finite values spelled out");
  const snapshot = history.snapshot();
  assert.deepEqual(snapshot.times, [1_005_000, 1_010_000]);
  assert.deepEqual(snapshot.lines, [8, 1]);
  assert.deepEqual(snapshot.meters.map((m) => m.key), keys, "sorted by key");
  assert.deepEqual(snapshot.meters[5].series, [[2, 0], [1, null], [1.5, null]]);
});

test("ViewHistory keeps at most maxMeters meters and maxIntervals points, counting the ids it leaves out", () => {
  const { aggregator, advance } = clocked();
  const history = new ViewHistory({ maxMeters: 3, maxIntervals: 4 });
  let interval: ViewInterval | undefined;
  for (let i = 0; i < 6; i++) {
    for (let id = 0; id < 5; id++) aggregator.addLine(`c:flood.${id}:${i + 1}`);
    advance(1000);
    interval = history.add(aggregator.publish());
    assert.deepEqual(interval.leftOut, { ids: 2, time: 1_000_000 + 1000 * (i + 1) }, "five ids, three kept");
  }
  const snapshot = history.snapshot();
  assert.deepEqual(snapshot.meters.map((m) => m.key), ["c:flood.0", "c:flood.1", "c:flood.2"]);
  assert.deepEqual(snapshot.meters[0].series, [[3, 4, 5, 6]], "the last four intervals");
  assert.equal(snapshot.times.length, 4);
  assert.deepEqual(snapshot.leftOut, { ids: 2, time: 1_006_000 });
  assert.deepEqual(snapshot.limits, { maxMeters: 3, maxIntervals: 4, maxRejections: 100 });
});

test("ViewHistory drops a meter that publishes nothing for maxIntervals intervals, making room for another", () => {
  const { aggregator, advance } = clocked();
  const history = new ViewHistory({ maxMeters: 1, maxIntervals: 3 });
  aggregator.addLine("c:old:1");
  advance(1000);
  history.add(aggregator.publish());
  const removedAt: string[][] = [];
  for (let i = 0; i < 3; i++) {
    aggregator.addLine("c:new:1");
    advance(1000);
    const interval = history.add(aggregator.publish());
    removedAt.push(interval.removed);
    if (interval.removed.length > 0) assert.deepEqual(interval.added.map((m) => m.key), ["c:new"]);
  }
  assert.deepEqual(removedAt, [[], [], ["c:old"]]);
  assert.deepEqual(history.snapshot().meters.map((m) => m.key), ["c:new"]);
});

test("ViewHistory keeps the latest rejected lines, warned lines and rejected ids, newest first, summing times", () => {
  const { aggregator, advance } = clocked();
  const history = new ViewHistory({ maxRejections: 2 });
  aggregator.addDatagram("x:a:1\nx:a:1\nc:name:1z\nc:x:1");
  advance(1000);
  history.add(aggregator.publish());
  aggregator.addDatagram("y:b:1\nx:a:1\nz:c:1");
  advance(1000);
  const interval = history.add(aggregator.publish());
  assert.deepEqual(interval.rejectedLines.map((r) => [r.line, r.times, r.lastSeen]), [
    ["z:c:1", 1, 1_002_000],
    ["x:a:1", 3, 1_002_000],
  ]);
  assert.match(interval.rejectedLines[0].problem, /unknown meter type/);
  assert.deepEqual(interval.warnedLines.map((r) => [r.line, r.lastSeen]), [["c:name:1z", 1_001_000]]);
  assert.deepEqual(interval.rejectedIds.map((r) => r.id), ["x"]);
  assert.deepEqual(history.snapshot().rejectedLines, interval.rejectedLines);
});

test("serveLiveView() binds 127.0.0.1 only: not another loopback address, not [::1]", async () => {
  const view = await serveLiveView({ port: 0 });
  try {
    const port = Number(new URL(view.url).port);
    assert.equal(view.url, `http://127.0.0.1:${port}/`);
    assert.equal(await connectOutcome("127.0.0.1", port), "connected");
    assert.equal(await connectOutcome("127.0.0.2", port), "ECONNREFUSED");
    assert.notEqual(await connectOutcome("::1", port), "connected");
  } finally {
    await view.close();
  }
});

test("serveLiveView() serves its assets with a strict content security policy, refusing other hosts and paths", async () => {
  const view = await serveLiveView({ port: 0 });
  try {
    const port = Number(new URL(view.url).port);
    const page = await get(port, "/");
    assert.equal(page.status, 200);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.match(page.headers["content-security-policy"] as string, /default-src 'none'; script-src 'self';/);
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    assert.match(page.body, /<script src="app.js" defer><\/script>/);
    assert.doesNotMatch(page.body, /https?:\/\//, "nothing from the network");
    for (const [path, type] of [["/app.js", "text/javascript"], ["/style.css", "text/css"]]) {
      const asset = await get(port, path);
      assert.equal(asset.status, 200, path);
      assert.equal(asset.headers["content-type"], `${type}; charset=utf-8`);
      assert.ok(asset.body.length > 100);
    }
    assert.equal((await get(port, "/", `localhost:${port}`)).status, 200);
    const rebound = await get(port, "/", `attacker.example:${port}`);
    assert.equal(rebound.status, 403, "a page reaching 127.0.0.1 under another name (DNS rebinding) is refused");
    assert.equal((await get(port, "/events", "attacker.example")).status, 403);
    assert.equal((await get(port, "/../../etc/passwd")).status, 404);
    assert.equal((await get(port, "/constructor")).status, 404);
  } finally {
    await view.close();
  }
});

test("serveLiveView() streams a snapshot when a page connects, then each interval, then that the agent stopped", async () => {
  const view = await serveLiveView({ port: 0, locations: ["udp://127.0.0.1:9"], intervalMs: 5000 });
  const { aggregator, advance } = clocked();
  aggregator.addLine("c:before:1");
  advance(1000);
  view.publish(aggregator.publish());
  const stream = await openEventStream(`${view.url}events`);
  try {
    assert.equal(stream.status, 200);
    assert.equal(stream.headers["content-type"], "text/event-stream; charset=utf-8");
    const snapshot = (await stream.next("snapshot")).data as ViewSnapshot & { agent: unknown };
    assert.deepEqual(snapshot.agent, { locations: ["udp://127.0.0.1:9"], intervalMs: 5000 });
    assert.deepEqual(snapshot.meters.map((m) => [m.key, m.series]), [["c:before", [[1]]]]);
    assert.equal(view.clients, 1);

    aggregator.addLine("g:queue:3");
    advance(1000);
    view.publish(aggregator.publish());
    const interval = (await stream.next("interval")).data as ViewInterval;
    assert.deepEqual(interval.added.map((m) => [m.key, m.series]), [["g:queue", [[3]]]]);
    assert.deepEqual(interval.points, { "c:before": [0] });

    await view.close();
    assert.equal(typeof ((await stream.next("stopped")).data as { time: number }).time, "number");
    await stream.end();
    assert.equal(view.clients, 0);
  } finally {
    stream.destroy();
    await view.close();
  }
});

test("serveLiveView() forgets a page closed mid-stream, and goes on publishing without errors", async () => {
  const view = await serveLiveView({ port: 0 });
  try {
    const leaving = await openEventStream(`${view.url}events`);
    const staying = await openEventStream(`${view.url}events`);
    await leaving.next("snapshot");
    await staying.next("snapshot");
    assert.equal(view.clients, 2);
    leaving.destroy();
    await until(() => view.clients === 1, "the server to forget the closed page");
    const { aggregator } = clocked();
    for (let i = 0; i < 3; i++) {
      aggregator.addLine(`c:after.${i}:1`);
      view.publish(aggregator.publish());
      await staying.next("interval");
    }
    assert.equal(view.clients, 1);
    staying.destroy();
    await until(() => view.clients === 0, "the server to forget the last page");
  } finally {
    await view.close();
  }
});

test("serveLiveView() serves at most 16 pages at once; one that leaves makes room", async () => {
  const view = await serveLiveView({ port: 0 });
  const streams = [];
  try {
    for (let i = 0; i < 16; i++) streams.push(await openEventStream(`${view.url}events`));
    const refused = await openEventStream(`${view.url}events`);
    assert.equal(refused.status, 503);
    await refused.end();
    assert.equal(view.clients, 16);
    streams.pop()!.destroy();
    await until(() => view.clients === 15, "the server to forget a page");
    streams.push(await openEventStream(`${view.url}events`));
    assert.equal(streams[15].status, 200, "a page that left makes room");
  } finally {
    for (const stream of streams) stream.destroy();
    await view.close();
  }
});

test("serveLiveView() rejects a port in use with an error naming it", async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(serveLiveView({ port }), {
      message: `Cannot serve the live view on http://127.0.0.1:${port}/: port ${port} is in use; ` +
        "pick another with --ui-port (uiPort), or 0 for a free one",
    });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test("parseCliArgs() reads --ui and --ui-port, which implies --ui", () => {
  assert.deepEqual([parseCliArgs([]).ui, parseCliArgs([]).uiPort], [false, 1235]);
  assert.deepEqual([parseCliArgs(["--ui"]).ui, parseCliArgs(["--ui"]).uiPort], [true, 1235]);
  const options = parseCliArgs(["--ui-port", "0"]);
  assert.deepEqual([options.ui, options.uiPort], [true, 0]);
  assert.throws(
    () => parseCliArgs(["--ui-port", "70000"]),
    /--ui-port \(uiPort\) must be an integer from 0 to 65535: received 70000/,
  );
});

test("startAgent() with ui shows what a Registry sends, tells pages when it stops, and frees its sockets", async () => {
  const messages: string[] = [];
  const agent = await startAgent({ port: 0, ui: true, uiPort: 0, intervalMs: 50 }, {
    out: () => {},
    err: (text) => messages.push(text),
  });
  const stream = await openEventStream(`${agent.uiUrl}events`);
  try {
    assert.match(messages.join(""), new RegExp(`^agent: live view on ${agent.uiUrl}$`, "m"));
    const snapshot = (await stream.next("snapshot")).data as ViewSnapshot & { agent: { locations: string[] } };
    assert.deepEqual(snapshot.agent.locations, agent.locations);
    const registry = new Registry(new Config({ location: agent.locations[0] }));
    registry.gauge("queue", { shard: "a" }).set(42);
    await registry.close();
    let meter;
    while (meter === undefined) {
      const interval = (await stream.next("interval")).data as ViewInterval;
      meter = interval.added.find((m) => m.key === "g:queue,shard=a");
    }
    assert.deepEqual([meter.name, meter.tags, meter.series], ["queue", { shard: "a" }, [[42]]]);
  } finally {
    await agent.stop();
  }
  await stream.next("stopped");
  await stream.end();
  const port = Number(new URL(agent.uiUrl!).port);
  assert.notEqual(await connectOutcome("127.0.0.1", port), "connected", "the server is closed");
});

test("startAgent() with ui on a port in use fails naming the port, and releases the UDP socket it bound", async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  const udpPort = await freeUdpPort();
  try {
    await assert.rejects(startAgent({ port: udpPort, ui: true, uiPort: port }, { err: () => {} }), {
      message: new RegExp(`port ${port} is in use`),
    });
    const again = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      again.once("error", reject);
      again.bind(udpPort, "127.0.0.1", resolve);
    });
    await new Promise<void>((resolve) => again.close(resolve));
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

/** A Deno child process whose output collects as it arrives. */
interface DenoChild {
  readonly stdout: string;
  readonly stderr: string;
  /** Sends a signal, unless it has exited. */
  kill(signal: Deno.Signal): void;
  /** Resolves with the exit code and the signal once it exited and its output is read. */
  status: Promise<[code: number, signal: Deno.Signal | null]>;
}

/**
 * Runs `deno <args>` with the library's variables unset. It runs with
 * Deno.Command, as node:child_process on Deno reports a signal for a child
 * that handled it and exited normally.
 */
function runDeno(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): DenoChild {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...options.env };
  for (const name of SPECTATOR_VARIABLES) delete env[name];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = { stdout: "", stderr: "" };
  const read = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output[name] += decoder.decode(chunk, { stream: true });
  };
  const reading = Promise.all([read(child.stdout, "stdout"), read(child.stderr, "stderr")]);
  return {
    get stdout() {
      return output.stdout;
    },
    get stderr() {
      return output.stderr;
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    },
    status: Promise.all([child.status, reading]).then(([status]) => [status.code, status.signal]),
  };
}

// The demo needs Deno.serve, and only Deno imports modules over http: Deno only.
if (platform().runtime === "deno") {
  test("the demo with --ui serves the live view while it plays, until Ctrl-C", { timeout: 30_000 }, async () => {
    const demo = fileURLToPath(new URL("../examples/demo.ts", import.meta.url));
    const child = runDeno(["run", "--no-prompt", "--allow-net", "--allow-env", demo, "--ui"]);
    try {
      await until(() => /^live view: http:/m.test(child.stdout), "the demo to print the live view's address", {
        timeoutMs: 20_000,
      });
      const url = /^live view: (http:\/\/127\.0\.0\.1:\d+\/) /m.exec(child.stdout)![1];
      assert.match(child.stderr, new RegExp(`^agent: live view on ${url}$`, "m"));
      const stream = await openEventStream(`${url}events`);
      try {
        const seen = new Set<string>();
        for (const meter of ((await stream.next("snapshot")).data as ViewSnapshot).meters) seen.add(meter.name);
        while (seen.size < 3) {
          for (const meter of ((await stream.next("interval", 5000)).data as ViewInterval).added) seen.add(meter.name);
        }
        assert.deepEqual([...seen].sort(), ["server.requestCount", "server.requestLatency", "server.responseSize"]);
        child.kill("SIGINT");
        await stream.next("stopped", 10_000);
      } finally {
        stream.destroy();
      }
      assert.deepEqual(await child.status, [0, null], child.stderr);
      assert.match(child.stdout, /^registry closed: \d+ lines sent/m);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("the live view works when cli.ts is imported over http, as from JSR: its assets are modules", {
    timeout: 30_000,
  }, async () => {
    // The repository's sources over http, as JSR serves a package's files over https.
    const root = new URL("../", import.meta.url);
    const files = createHttpServer(async (req, res) => {
      try {
        const body = await readFile(new URL(`.${new URL(req.url ?? "/", "http://x").pathname}`, root));
        res.writeHead(200, { "Content-Type": "application/typescript" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    const origin = `127.0.0.1:${(files.address() as { port: number }).port}`;
    const cache = await Deno.makeTempDir({ prefix: "spectator-remote-" });
    const child = runDeno(
      ["run", "--no-config", "--no-prompt", `--allow-import=${origin}`, "--allow-net", `http://${origin}/cli.ts`]
        .concat(["--port", "0", "--ui-port", "0"]),
      { cwd: cache, env: { DENO_DIR: cache } },
    );
    try {
      const serving = /^agent: live view on (http:\/\/127\.0\.0\.1:\d+\/)$/m;
      await until(() => serving.test(child.stderr), "the remote agent's live view", { timeoutMs: 20_000 });
      const url = serving.exec(child.stderr)![1];
      const page = await fetch(url);
      assert.match(await page.text(), /<script src="app.js" defer><\/script>/);
      const script = await fetch(`${url}app.js`);
      assert.equal(script.status, 200);
      assert.match(await script.text(), /new EventSource\("events"\)/);
      child.kill("SIGTERM");
      assert.deepEqual(await child.status, [0, null], child.stderr);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => files.close(resolve));
      await Deno.remove(cache, { recursive: true });
    }
  });
}
