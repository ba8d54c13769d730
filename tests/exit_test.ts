// How a program's ending affects delivery, in child processes on the runtime
// running the tests, over UDP and over the Unix socket where the child has a
// route to one. The natural end (default and buffered) and close() then
// process.exit() (default) are in tests/udp_transport_test.ts, and the same
// with aggregation in tests/aggregator_test.ts; this file adds close() then
// exit with a buffer, SIGTERM while idle (with and without the documented
// handler), and process.exit() without close(): in the same turn as the
// writes, 1 ms after them and in the next turn, both right after
// `new Registry()` (its socket still opening) and once the socket is open.
// Each of those prints one "exit measurement:" line; README's "Ending a
// program" states the results.
import assert from "node:assert/strict";
import { test } from "node:test";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { exitFixtureLines } from "./helpers/child_delivery.ts";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { signalFixture } from "./helpers/signal_fixture.ts";
import { listenUdp } from "./helpers/udp_listener.ts";
import { listenUnix, tempSocketDir } from "./helpers/unix_listener.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;
/** Deno children get --unstable-net exactly when the test process has it, so both Deno runs cover both routes. */
const unstableNet = runtime === "deno" && denoDatagramApi() !== undefined ? ["--unstable-net"] : [];

/** A way the child reaches its sockets. */
interface ChildRoute {
  /** Its name in test names and measurements. */
  name: string;
  /** Deno only: the child's flags. */
  denoFlags: string[];
  /** Whether its sends are synchronous once the socket is open (all but Deno's own sockets). */
  synchronous: boolean;
  /** Whether it reaches Unix datagram sockets. */
  unix: boolean;
}

/**
 * Deno children run with -A (sends through the C library, synchronous) and
 * without --allow-ffi (Deno's own sockets, which send when the event loop
 * runs); Node reaches the Unix socket through node-unix-socket, a
 * development dependency here.
 */
const CHILD_ROUTES: ChildRoute[] = runtime === "deno"
  ? [
    { name: "deno libc", denoFlags: ["-A", ...unstableNet], synchronous: true, unix: true },
    {
      name: "deno own sockets",
      denoFlags: ["--allow-net", "--allow-env", "--allow-read", "--allow-write", ...unstableNet],
      synchronous: false,
      unix: unstableNet.length > 0,
    },
  ]
  : [{ name: runtime, denoFlags: [], synchronous: true, unix: true }];
const LINES = 300;

/** Where the child sends, and what arrived there. */
interface Receiver {
  /** The fixture's target argument. */
  target: string;
  lines(): string[];
  waitForLines(count: number, timeoutMs: number): Promise<unknown>;
  close(): Promise<void>;
}

async function receiver(kind: "udp" | "unix"): Promise<Receiver> {
  if (kind === "udp") {
    const listener = await listenUdp();
    return Object.assign(listener, { target: String(listener.port) });
  }
  const dir = tempSocketDir();
  const listener = await listenUnix(dir.path());
  return {
    target: `unix://${listener.path}`,
    lines: () => listener.lines(),
    waitForLines: (count, timeoutMs) => listener.waitForLines(count, timeoutMs),
    close: async () => {
      await listener.close();
      dir.remove();
    },
  };
}

interface Delivery {
  lines: string[];
  code: number | null;
  signal: string | null;
  stderr: string;
}

/**
 * Runs exit_fixture with `ending`, `buffering` and `phase` against a fresh
 * receiver: until it exits, or for the idle endings until SIGTERM ends it.
 * Returns what arrived (the warm-up line left out), waiting up to `waitMs`
 * for every line.
 */
async function deliver(
  route: ChildRoute,
  kind: "udp" | "unix",
  ending: string,
  buffering: "default" | "buffered",
  phase: "cold" | "warm" = "cold",
  waitMs = 1000,
): Promise<Delivery> {
  const listener = await receiver(kind);
  try {
    const options = {
      args: [listener.target, ending, buffering, String(LINES), phase],
      env: CLEAN_SPECTATOR_ENV,
      denoFlags: route.denoFlags,
      timeoutMs: 10_000,
    };
    const result = ending.startsWith("idle")
      ? await signalFixture("exit_fixture", options)
      : { ...(await runFixture("exit_fixture", options)), signal: null };
    const expected = LINES + (phase === "warm" ? 1 : 0);
    await listener.waitForLines(expected, waitMs).catch(() => {});
    const lines = listener.lines().filter((line) => line !== "c:exit.warmup:1");
    return { lines, code: result.code, signal: result.signal, stderr: result.stderr };
  } finally {
    await listener.close();
  }
}

/** Asserts that `lines` are the first lines `ending` sends, in order, and fewer than all of them. */
function assertLostTheTail(lines: string[], ending: string): void {
  assert.ok(lines.length < LINES, `expected lines to be lost, ${lines.length} arrived`);
  assert.deepEqual(lines, exitFixtureLines(ending, LINES).slice(0, lines.length));
}

/** Asserts that every line `ending` writes arrived, or none did. */
function assertAllOrNothing(lines: string[], ending: string): void {
  if (lines.length > 0) assert.deepEqual(lines, exitFixtureLines(ending, LINES));
}

/** Asserts that `lines` are the first lines `ending` sends, in order: all, some or none. */
function assertFirstLines(lines: string[], ending: string): void {
  assert.deepEqual(lines, exitFixtureLines(ending, LINES).slice(0, lines.length));
}

for (const route of CHILD_ROUTES) {
  const on = `, ${route.name}`;
  test(`A child process with bufferSize that awaits close() and calls process.exit(0) delivers what it wrote${on}`, async () => {
    const result = await deliver(route, "udp", "close-exit", "buffered");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.deepEqual(result.lines, exitFixtureLines("close-exit", LINES));
  });

  test(`An idle child process killed by SIGTERM has delivered every line written (bufferSize 0)${on}`, async () => {
    const result = await deliver(route, "udp", "idle", "default");
    // The library installs no signal handler: the signal still ends the process.
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.stderr, "");
    assert.deepEqual(result.lines, exitFixtureLines("idle", LINES));
  });

  test(`An idle child process with bufferSize killed by SIGTERM loses the lines still in its buffer${on}`, async () => {
    // Full datagrams (512 bytes here) leave as they fill; the last, partly filled one waits for
    // bufferSize or flushIntervalMs, and dies with the process.
    const result = await deliver(route, "udp", "idle", "buffered", "cold", 300);
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.stderr, "");
    assertLostTheTail(result.lines, "idle");
    assert.ok(result.lines.length > 0, "the full datagrams were sent before the signal");
  });

  for (const buffering of ["default", "buffered"] as const) {
    test(
      `The documented SIGTERM handler (await registry.close(), then process.exit(0)) delivers every line (${buffering}${on})`,
      async () => {
        const result = await deliver(route, "udp", "idle-handler", buffering);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.signal, null);
        assert.equal(result.stderr, "");
        assert.deepEqual(result.lines, exitFixtureLines("idle-handler", LINES));
      },
    );
  }

  for (const kind of route.unix ? ["udp", "unix"] as const : ["udp"] as const) {
    for (const ending of ["exit", "exit-1ms", "exit-next-turn"]) {
      for (const buffering of ["default", "buffered"] as const) {
        const what = `process.exit() (${ending}, ${buffering}) over ${kind}${on}`;
        // Once the socket is open, the exit hook hands what waits to the socket as the process ends (Deno's own
        // sockets start their sends there too, and those complete before the process is gone).
        test(`${what}, once the socket is open, delivers every line`, async () => {
          const result = await deliver(route, kind, ending, buffering, "warm");
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stderr, "");
          console.log(
            `exit measurement: ${route.name}, ${kind}, warm, ${ending}, ${buffering}: ${result.lines.length}`,
          );
          assert.deepEqual(result.lines, exitFixtureLines(ending, LINES));
        });
        if (buffering === "buffered") continue;
        // Right after new Registry(), the socket opens once its adapter has loaded, which takes a turn at least; then
        // a synchronous route sends everything at once, while Deno's own sockets send one datagram after another,
        // each when the event loop runs: whether the first has left before a 1 ms timer is a race.
        const coldExpectation = ending === "exit"
          ? "loses them all"
          : route.synchronous
          ? "delivers every line or none"
          : "delivers the first lines in order, or none";
        test(`${what}, right after new Registry(), ${coldExpectation}`, async () => {
          const result = await deliver(route, kind, ending, buffering, "cold", ending === "exit" ? 300 : 1000);
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stderr, "");
          console.log(
            `exit measurement: ${route.name}, ${kind}, cold, ${ending}, ${buffering}: ${result.lines.length}`,
          );
          if (ending === "exit") assert.deepEqual(result.lines, []);
          else if (route.synchronous) assertAllOrNothing(result.lines, ending);
          else assertFirstLines(result.lines, ending);
        });
      }
    }
  }
}
