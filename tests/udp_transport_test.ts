import assert from "node:assert/strict";
import dns from "node:dns";
import { test } from "node:test";
import { Config, type ConfigOptions, type LineWriter, Registry } from "../mod.ts";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { holdDeadUdpPort } from "./helpers/dead_udp_port.ts";
import { CLEAN_SPECTATOR_ENV, withEnv } from "./helpers/env.ts";
import { exitFixtureLines, linesFromChild } from "./helpers/child_delivery.ts";
import { foldedTurnOrder } from "./helpers/meter_kinds.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { listenUdp, type UdpListener } from "./helpers/udp_listener.ts";
import { tick, until } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;
/** Deno with --allow-ffi (the suite runs with -A) sends through the C library, synchronously. */
const denoFfi = runtime === "deno" && platform().isGranted({ name: "ffi" });
/** Otherwise, Deno with --unstable-net sends through Deno.listenDatagram, else through node:dgram. */
const denoNet = runtime === "deno" && denoDatagramApi() !== undefined;
/** Deno's own UDP sockets send only when the event loop runs; every other route sends at once. */
const denoAsync = runtime === "deno" && !denoFfi;
/**
 * Whether the transport sees ICMP "port unreachable": the connected sockets
 * of Node, Bun and the C library report ECONNREFUSED; Deno's own do not.
 */
const reportsRefused = !denoAsync;
const route = denoFfi ? " through the C library" : denoNet ? " --unstable-net" : "";

/** A registry for `location`, without common tags from the environment, logging to a CollectingLogger. */
function udpRegistry(location: string, options: ConfigOptions = {}): { registry: Registry; logger: CollectingLogger } {
  const logger = new CollectingLogger();
  const registry = new Registry(withEnv({}, () => new Config({ location, logger, ...options })));
  return { registry, logger };
}

function stats(registry: Registry) {
  return (registry.writer() as LineWriter).stats();
}

/** Runs `body` with a listener and a registry aimed at it, and closes both whatever happens. */
async function withListener(
  listen: { host?: string; port?: number },
  location: (listener: UdpListener) => string,
  body: (listener: UdpListener, registry: Registry, logger: CollectingLogger) => Promise<void>,
  options: ConfigOptions = {},
): Promise<void> {
  const listener = await listenUdp(listen);
  try {
    const { registry, logger } = udpRegistry(location(listener), options);
    try {
      await body(listener, registry, logger);
    } finally {
      await registry.close();
    }
  } finally {
    await listener.close();
  }
}

/** Writes one line of every meter type in one synchronous stretch; returns the lines in the order they are sent. */
function writeEveryMeter(registry: Registry): string[] {
  registry.counter("server.requestCount", { status: "200", method: "GET" }).increment();
  registry.gauge("server.queueSize", { pool: "a" }, 60).set(42.5);
  registry.timer("server.latency").record(0.25);
  registry.distributionSummary("server.bytes").record(1024);
  registry.maxGauge("server.maxThreads").set(17);
  registry.monotonicCounter("server.packets").set(123456);
  registry.monotonicCounterUint("server.bigCount").set(18446744073709551615n);
  registry.ageGauge("server.lastSuccess").set(1700000000);
  registry.pctTimer("server.pctLatency").record(1.5);
  registry.pctDistributionSummary("server.pctBytes").record(7);
  return foldedTurnOrder([
    "c:server.requestCount,method=GET,status=200:1",
    "g,60:server.queueSize,pool=a:42.5",
    "t:server.latency:0.25",
    "d:server.bytes:1024",
    "m:server.maxThreads:17",
    "C:server.packets:123456",
    "U:server.bigCount:18446744073709551615",
    "A:server.lastSuccess:1700000000",
    "T:server.pctLatency:1.5",
    "D:server.pctBytes:7",
  ]);
}

test(`UDP transport (${runtime}${route}) delivers every meter's line in one datagram`, async () => {
  await withListener({}, (l) => `udp://127.0.0.1:${l.port}`, async (listener, registry, logger) => {
    const expected = writeEveryMeter(registry);
    await listener.waitForDatagrams(1);
    assert.deepEqual(listener.datagrams, [expected.join("\n")]);
    registry.counter("server.requestCount", { status: "200", method: "GET" }).increment(3);
    await listener.waitForDatagrams(2);
    assert.equal(listener.datagrams[1], "c:server.requestCount,method=GET,status=200:3");
    assert.deepEqual(logger.records, []);
  });
});

test("UDP transport reaches an IPv6 listener at udp://[::1]:<port>", async () => {
  await withListener({ host: "::1" }, (l) => `udp://[::1]:${l.port}`, async (listener, registry) => {
    registry.counter("ipv6.count").increment();
    registry.gauge("ipv6.gauge").set(1);
    await listener.waitForDatagrams(1);
    assert.deepEqual(listener.datagrams, ["c:ipv6.count:1\ng:ipv6.gauge:1"]);
  });
});

test("UDP transport resolves udp://localhost:<port>", async () => {
  const { address } = await dns.promises.lookup("localhost");
  await withListener({ host: address }, (l) => `udp://localhost:${l.port}`, async (listener, registry) => {
    registry.counter("localhost.count").increment();
    await listener.waitForDatagrams(1);
    assert.deepEqual(listener.datagrams, ["c:localhost.count:1"]);
  });
});

test("UDP transport splits many lines over datagrams within the limit, in order", async () => {
  await withListener({}, (l) => `udp://127.0.0.1:${l.port}`, async (listener, registry) => {
    const counter = registry.monotonicCounter("order.sequence");
    const expected: string[] = [];
    // One synchronous burst, then many short turns. The burst stays well under
    // what the listener's socket buffers before it gets to read (about 160
    // datagrams; Deno ignores setRecvBufferSize).
    for (let i = 0; i < 1500; i++) {
      counter.set(i);
      expected.push(`C:order.sequence:${i}`);
    }
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 50; i++) {
        const value = 1500 + turn * 50 + i;
        counter.set(value);
        expected.push(`C:order.sequence:${value}`);
      }
      await tick();
    }
    await registry.flush();
    await listener.waitForLines(expected.length);
    assert.ok(listener.datagrams.length >= 50, `${listener.datagrams.length} datagrams`);
    for (const size of listener.sizes) assert.ok(size <= 512, `a datagram of ${size} bytes`);
    assert.deepEqual(listener.lines(), expected, "every line arrives once, in the order written");
    assert.equal(stats(registry).sentLines, expected.length);
  }, { maxDatagramBytes: 512, fold: false });
});

test("A synchronous burst past maxPendingBytes loses no line on the client side where sends are synchronous", async () => {
  await withListener({}, (l) => `udp://127.0.0.1:${l.port}`, async (_listener, registry, logger) => {
    const counter = registry.monotonicCounter("burst.sequence");
    counter.set(0);
    await registry.flush(); // connected
    const total = 20_000; // about 500 KB, eight times the pending bound
    for (let i = 1; i <= total; i++) counter.set(i);
    await registry.flush();
    const { sentLines, droppedLines, pendingBytes } = stats(registry);
    assert.equal(sentLines + droppedLines, total + 1);
    assert.equal(pendingBytes, 0);
    if (denoAsync) {
      // Deno's own sends complete only when the event loop runs: the excess is dropped, counted and reported.
      assert.ok(droppedLines > 0);
      assert.match(logger.messages("warn")[0], /more than maxPendingBytes=65536 are waiting/);
    } else {
      assert.equal(droppedLines, 0);
      assert.deepEqual(logger.records, []);
    }
  }, { maxDatagramBytes: 8192, maxPendingBytes: 65536, fold: false });
});

test("UDP transport with bufferSize sends when the buffer fills", async () => {
  await withListener({}, (l) => `udp://127.0.0.1:${l.port}`, async (listener, registry) => {
    const gauge = registry.gauge("buffered.size");
    gauge.set(1);
    await tick(30);
    assert.equal(listener.datagrams.length, 0, "below bufferSize, the line waits");
    for (let i = 2; i <= 40; i++) gauge.set(i); // 40 lines of 17-18 bytes: past 600
    await listener.waitForDatagrams(1);
    assert.equal(listener.datagrams[0].split("\n")[0], "g:buffered.size:1");
    assert.ok(listener.sizes[0] >= 600);
  }, { bufferSize: 600, flushIntervalMs: 60_000, fold: false });
});

test("UDP transport with bufferSize sends after flushIntervalMs", async () => {
  await withListener({}, (l) => `udp://127.0.0.1:${l.port}`, async (listener, registry) => {
    const written = Date.now();
    registry.counter("buffered.interval").increment();
    await listener.waitForDatagrams(1);
    const waited = Date.now() - written;
    assert.ok(waited >= 45, `sent after ${waited} ms`);
    assert.deepEqual(listener.datagrams, ["c:buffered.interval:1"]);
  }, { bufferSize: 4096, flushIntervalMs: 50 });
});

test("UDP writes to a port where nothing listens never throw and are reported", async () => {
  const dead = await holdDeadUdpPort();
  const { port } = dead;
  const { registry, logger } = udpRegistry(`udp://127.0.0.1:${port}`);
  try {
    let thrown = 0;
    for (let i = 0; i < 10; i++) {
      try {
        registry.counter("dead.port").increment();
      } catch {
        thrown++;
      }
      await tick(10);
    }
    assert.equal(thrown, 0);
    if (reportsRefused) {
      await until(() => logger.messages("error").length > 0, "an error report");
      const errors = logger.messages("error");
      assert.equal(errors.length, 1, `reports are rate-limited: ${errors.join(" | ")}`);
      assert.match(errors[0], new RegExp(`cannot send to udp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      assert.ok(stats(registry).errors >= 1);
    } else {
      // Deno's own sockets never see the ICMP error: the datagrams vanish silently.
      assert.deepEqual(logger.messages("error"), []);
      assert.equal(stats(registry).errors, 0);
    }
  } finally {
    await registry.close();
    await dead.release();
  }
});

test("UDP delivery resumes without user action when the agent restarts on the same port", async () => {
  // The port stays held while the agent is down, so that no other process can take it meanwhile.
  const held = await holdDeadUdpPort();
  const { port } = held;
  let listener = await listenUdp({ port });
  const { registry, logger } = udpRegistry(`udp://127.0.0.1:${port}`);
  try {
    registry.counter("restart.before").increment();
    await listener.waitForDatagrams(1);
    await listener.close();
    registry.counter("restart.down").increment();
    await tick(20);
    registry.counter("restart.down").increment();
    if (reportsRefused) await until(() => logger.messages("error").length > 0, "the ECONNREFUSED report");
    listener = await listenUdp({ port });
    const rebound = Date.now();
    const counter = registry.counter("restart.after");
    while (listener.datagrams.length === 0 && Date.now() - rebound < 3000) {
      counter.increment();
      await tick(20);
    }
    const recoveryMs = Date.now() - rebound;
    assert.ok(listener.datagrams.length > 0 && recoveryMs < 2000, `delivery resumed after ${recoveryMs} ms`);
    // Lines written while the transport waited to reconnect may arrive too, and increments made meanwhile fold.
    const lines = listener.lines();
    assert.ok(lines.some((line) => line.startsWith("c:restart.after:")), lines.join("\n"));
    for (const line of lines) assert.match(line, /^c:restart\.(down|after):\d+$/);
  } finally {
    await registry.close();
    await listener.close();
    await held.release();
  }
});

for (const mode of ["end", "buffered", "close-exit"]) {
  const what = {
    "end": "that simply ends delivers what it wrote",
    "buffered": "with bufferSize and a long flushIntervalMs that simply ends delivers at beforeExit",
    "close-exit": "that awaits close() and calls process.exit(0) delivers what it wrote",
  }[mode];
  test(`A child process ${what}, and exits promptly`, async () => {
    // exit_fixture's arguments: how the program ends, and whether lines wait in a buffer.
    const [ending, buffering] = mode === "buffered" ? ["end", "buffered"] : [mode, "default"];
    const expected = exitFixtureLines(ending, 300);
    assert.deepEqual(await linesFromChild("exit_fixture", [ending, buffering, "300"], expected.length), expected);
  });
}

for (const net of ["--allow-net=127.0.0.1", "--allow-net"]) {
  test(
    `A Deno child with only ${net} and --allow-env (no FFI: Deno's own socket) delivers to a loopback agent`,
    { skip: runtime !== "deno" },
    async () => {
      const listener = await listenUdp();
      try {
        const result = await runFixture("exit_fixture", {
          args: [String(listener.port), "end", "default", "300"],
          env: CLEAN_SPECTATOR_ENV,
          denoFlags: [net, "--allow-env", ...(denoNet ? ["--unstable-net"] : [])],
          timeoutMs: 10_000,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");
        await listener.waitForLines(300, 1000);
        assert.deepEqual(listener.lines(), exitFixtureLines("end", 300));
      } finally {
        await listener.close();
      }
    },
  );
}

for (const ffi of [[], ["--allow-ffi"]]) {
  const what = ffi.length > 0 ? " (with --allow-ffi: the C library does not bypass it)" : "";
  test(`A Deno child without --allow-net${what} logs an error and exits normally`, {
    skip: runtime !== "deno",
  }, async () => {
    const result = await runFixture("exit_fixture", {
      args: ["9", "end", "default", "3"],
      env: CLEAN_SPECTATOR_ENV,
      denoFlags: ["--allow-env", ...ffi, ...(denoNet ? ["--unstable-net"] : [])],
      timeoutMs: 10_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /cannot connect to udp:\/\/127\.0\.0\.1:9: network access to 127\.0\.0\.1:\d+ is not granted/,
    );
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  });
}
