import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { Config, LineWriter, type LineWriterStats, Registry } from "../mod.ts";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { runtimeTransport } from "../src/transports/_routes.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { holdDeadUdpPort } from "./helpers/dead_udp_port.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { withEnv } from "./helpers/env.ts";
import { listenUnix, tempSocketDir } from "./helpers/unix_listener.ts";
import { tick } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";
import { unixRouteHere } from "./helpers/unix_route.ts";

// A dead agent never hurts the application: every way the agent can be missing is driven at once, for about a
// second of updates spread over many event-loop turns, while a timer checks that the event loop keeps its schedule.

const runtime = platform().runtime;
const denoFfi = runtime === "deno" && platform().isGranted({ name: "ffi" });
/** Deno's own UDP sockets (no FFI) never see ICMP "port unreachable": their losses are invisible to the client. */
const denoAsync = runtime === "deno" && !denoFfi;
/** Where `unix://` locations reach a Unix socket: Bun, and Deno with FFI or --unstable-net; elsewhere they fall back to UDP. */
const unixRoute = await unixRouteHere() !== undefined;
/** Root bypasses file permissions: a socket the process may not write to needs another user. */
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

const WINDOW_MS = 1000;
const TURN_MS = 20;
const UPDATES_PER_TURN = 200;
/** The LineWriter variant's error interval: over the window, at most WINDOW_MS / interval + 1 reports per kind. */
const SHORT_INTERVAL_MS = 250;

interface Fault {
  name: string;
  location: string;
  /** Losses the client sees (errors reported, lines dropped); false where the route cannot see them. */
  visible: boolean;
  /** Use a bare LineWriter with a short error interval instead of a Registry. */
  shortInterval?: boolean;
  /** Config's `fold`; default true. */
  fold?: boolean;
}

interface Driven {
  fault: Fault;
  logger: CollectingLogger;
  stats: LineWriterStats;
  written: number;
  thrown: unknown[];
}

/** Writes a mix of updates every turn for the window, then flushes and closes. */
async function drive(fault: Fault, deadline: number): Promise<Driven> {
  const logger = new CollectingLogger();
  let registry: Registry | undefined;
  let writer: LineWriter;
  let update: (i: number) => void;
  if (fault.shortInterval) {
    const target = new Config({ location: fault.location }).target;
    const connect = runtimeTransport({});
    writer = new LineWriter((context) => connect(target as { kind: "udp"; host: string; port: number }, context), {
      description: fault.location,
      logger,
      errorIntervalMs: SHORT_INTERVAL_MS,
    });
    update = (i) => writer.write(`c:down.counter,i=${i % 10}:1`);
  } else {
    const config = withEnv({}, () => new Config({ location: fault.location, logger, fold: fault.fold }));
    registry = new Registry(config);
    writer = registry.writer() as LineWriter;
    const counter = registry.counter("down.counter");
    const timer = registry.timer("down.latency");
    const gauge = registry.gauge("down.gauge");
    update = (i) => {
      counter.increment();
      timer.record(i / 1000);
      gauge.set(i);
      registry!.counter("down.perCall", { status: String(200 + (i % 5)) }).increment();
    };
  }
  const thrown: unknown[] = [];
  let written = 0;
  while (Date.now() < deadline) {
    for (let i = 0; i < UPDATES_PER_TURN; i++) {
      try {
        update(written++);
      } catch (error) {
        thrown.push(error);
      }
    }
    await tick(TURN_MS);
  }
  try {
    await (registry ?? writer).flush();
    await (registry ?? writer).close();
  } catch (error) {
    thrown.push(error);
  }
  return { fault, logger, stats: writer.stats(), written, thrown };
}

test(`a dead agent never throws, floods logs, nor stalls the application (${runtime})`, async () => {
  const dir = tempSocketDir();
  const deadV4 = await holdDeadUdpPort();
  const deadV6 = await holdDeadUdpPort("::1");
  const ports = [deadV4.port, deadV6.port];
  // A socket file whose agent crashed: the file stays, nobody reads it.
  const crashed = await listenUnix(dir.path("crashed.sock"));
  await crashed.close();
  writeFileSync(dir.path("file"), "not a directory");
  mkdirSync(dir.path("a-directory"));

  const faults: Fault[] = [
    { name: "UDP IPv4, nobody listening", location: `udp://127.0.0.1:${ports[0]}`, visible: !denoAsync },
    { name: "UDP IPv6, nobody listening", location: `udp://[::1]:${ports[1]}`, visible: !denoAsync },
    {
      name: "UDP IPv4, bare LineWriter with a 250 ms error interval",
      location: `udp://127.0.0.1:${ports[0]}`,
      visible: !denoAsync,
      shortInterval: true,
    },
    // Without a Unix route these fall back to UDP 127.0.0.1:1234 (with a warning); nothing is asserted about delivery.
    { name: "Unix, missing path (ENOENT)", location: `unix://${dir.path("missing.sock")}`, visible: unixRoute },
    { name: "Unix, stale socket file (ECONNREFUSED)", location: `unix://${crashed.path}`, visible: unixRoute },
    { name: "Unix, parent is a file (ENOTDIR)", location: `unix://${dir.path("file")}/agent.sock`, visible: unixRoute },
    { name: "Unix, path is a directory", location: `unix://${dir.path("a-directory")}`, visible: unixRoute },
  ];

  const rejections: unknown[] = [];
  const exceptions: unknown[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  const onException = (error: unknown) => void exceptions.push(error);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  const ticks: number[] = [];
  const ticker = setInterval(() => ticks.push(Date.now()), 10);
  let results: Driven[];
  try {
    const started = Date.now();
    results = await Promise.all(faults.map((fault) => drive(fault, started + WINDOW_MS)));
    await tick(50); // late ICMP errors and close callbacks
    ticks.push(Date.now());
  } finally {
    clearInterval(ticker);
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
    dir.remove();
    await deadV4.release();
    await deadV6.release();
  }

  assert.deepEqual(rejections, [], "no unhandled rejection");
  assert.deepEqual(exceptions, [], "no uncaught exception");
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
  const longest = Math.max(...gaps);
  assert.ok(ticks.length >= WINDOW_MS / 10 / 4, `the application's timer ticked ${ticks.length} times`);
  assert.ok(longest < 500, `the application's timer stalled for ${longest} ms`);

  console.log(
    `agent down (${runtime}): timer longest gap ${longest} ms; ` +
      results.map(({ fault, stats, written, logger }) =>
        `${fault.name}: ${written} updates, ${stats.droppedLines} dropped, ${stats.errors} errors, ${logger.records.length} log calls`
      ).join("; "),
  );
  for (const { fault, logger, stats, written, thrown } of results) {
    const what = `${fault.name}: ${JSON.stringify(stats)}; log: ${JSON.stringify(logger.records)}`;
    assert.deepEqual(thrown, [], what);
    assert.ok(written >= 4 * UPDATES_PER_TURN, `${what}; written ${written}`);
    assert.equal(stats.pendingBytes, 0, what);
    // Rate limiting: at most one report per kind (connect, send, close, drop) per error interval.
    const perKind = fault.shortInterval ? Math.floor(WINDOW_MS / SHORT_INTERVAL_MS) + 2 : 1;
    const kinds = new Map<string, number>();
    for (const { level, message } of logger.records) {
      const kind = `${level} ${/cannot (connect to|send to|close|use)|dropped a line/.exec(message)?.[0] ?? message}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of kinds) assert.ok(count <= perKind, `${what}: ${count} x ${kind}`);
    assert.ok(logger.records.length <= 4 * perKind, what);
    if (fault.visible) {
      // The losses show: errors counted and reported, lines counted as dropped. On Node a refused UDP send fails
      // in its callback, after the datagram was counted as sent: see the test below.
      assert.ok(stats.errors > 0, what);
      assert.ok(logger.messages("error").length > 0, what);
      assert.ok(stats.droppedLines > 0, what);
    }
  }
});

test("a datagram the kernel refused (ECONNREFUSED) counts as dropped, not sent", {
  skip: denoAsync ? "Deno's own sockets never see ICMP errors" : false,
}, async () => {
  const dead = await holdDeadUdpPort();
  // Folding off: enough lines for several datagrams, so that a send follows the one the kernel refused on the same
  // socket. (Bun and the C library learn of a refusal only from the next send, which then fails at once.)
  const location = `udp://127.0.0.1:${dead.port}`;
  const fault: Fault = { name: "UDP, nobody listening", location, visible: true, fold: false };
  const { stats } = await drive(fault, Date.now() + 200).finally(() => dead.release());
  assert.ok(stats.errors > 0, JSON.stringify(stats));
  assert.ok(stats.droppedLines > 0, JSON.stringify(stats));
});

/** The user the EACCES test sends as when the tests run as root, which file permissions never stop. */
const NOBODY = { uid: 65534, gid: 65534 };

test("a Unix socket the process may not write to (EACCES) never throws and is reported", {
  skip: unixRoute ? false : "no Unix route",
}, async () => {
  const dir = tempSocketDir();
  const listener = await listenUnix(dir.path());
  // The sender runs in a child: as nobody when we are root (the directory is root's, mode 0700), else as us with
  // the directory closed to everyone. Its runtime caches go to a directory it may write.
  const cache = mkdtempSync(join(tmpdir(), "spectator-eacces-cache-"));
  try {
    if (isRoot) chmodSync(cache, 0o777);
    else chmodSync(dir.dir, 0o000);
    const result = await runFixture("unix_eacces_fixture", {
      args: [dir.path()],
      env: {
        HOME: cache,
        DENO_DIR: cache,
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        SPECTATOR_OUTPUT_LOCATION: undefined,
      },
      runAs: isRoot ? NOBODY : undefined,
      // Under --unstable-net the child takes Deno's own Unix sockets; otherwise the C library.
      denoFlags: denoDatagramApi() === undefined ? ["-A"] : ["-A", "--unstable-net", "--deny-ffi"],
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const { thrown, stats, errors } = JSON.parse(result.stdout) as {
      thrown: string[];
      stats: LineWriterStats;
      errors: string[];
    };
    assert.deepEqual(thrown, []);
    assert.ok(stats.errors > 0 && stats.droppedLines > 0 && stats.sentLines === 0, JSON.stringify(stats));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /EACCES|EPERM|permission denied/i);
    assert.equal(errors[0].split(dir.path()).length, 2, `the path is named once: ${errors[0]}`);
    assert.equal(listener.datagrams.length, 0);
  } finally {
    chmodSync(dir.dir, 0o700);
    await listener.close();
    dir.remove();
    rmSync(cache, { recursive: true, force: true });
  }
});

test("flush() against a dead agent re-creates the socket once, not once per queued datagram", async () => {
  let connects = 0;
  const refused = () => {
    connects++;
    return {
      send: () => {
        throw Object.assign(new Error("no socket exists at this path (ENOENT)"), { code: "ENOENT" });
      },
      close: () => Promise.resolve(),
    };
  };
  const logger = new CollectingLogger();
  const registry = new Registry(
    withEnv(
      {},
      () => new Config({ location: "unix:///nonexistent/agent.sock", logger, transport: refused, fold: false }),
    ),
  );
  const counter = registry.counter("down.flush");
  // The first send fails and starts the 1 s reconnect delay; the next turns' datagrams wait in the queue (folding
  // off: with it, the updates would wait as one line).
  for (let turn = 0; turn < 20; turn++) {
    counter.increment();
    await tick(5);
  }
  const before = connects;
  await registry.flush();
  const during = connects - before;
  await registry.close();
  assert.equal(before, 1);
  assert.ok(during <= 1, `flush() opened ${during} sockets`);
  assert.equal((registry.writer() as LineWriter).stats().droppedLines, 20);
});
