// How a program's ending affects delivery, in child processes on the runtime
// running the tests. The natural end (default and buffered) and close() then
// process.exit() (default) are in tests/udp_transport_test.ts, and the same
// with aggregation in tests/aggregator_test.ts; this file adds close() then
// exit with a buffer, SIGTERM while idle (with and without the documented
// handler), and process.exit() without close(). README's "Ending a program"
// states the results.
import assert from "node:assert/strict";
import { test } from "node:test";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { signalFixture } from "./helpers/signal_fixture.ts";
import { listenUdp } from "./helpers/udp_listener.ts";
import { platform } from "../src/_platform.ts";

/** Deno children get --unstable-net exactly when the test process has it, so both Deno runs cover both routes. */
const unstableNet = platform().runtime === "deno" && denoDatagramApi() !== undefined ? ["--unstable-net"] : [];
/**
 * Deno children run with -A (sends through the C library, synchronous) and
 * without --allow-ffi (Deno's own sockets, which send when the event loop runs).
 */
const ROUTES: { route: string; denoFlags: string[] }[] = platform().runtime === "deno"
  ? [
    { route: "", denoFlags: ["-A", ...unstableNet] },
    { route: ", Deno's own sockets", denoFlags: ["--allow-net", "--allow-env", "--allow-read", ...unstableNet] },
  ]
  : [{ route: "", denoFlags: [] }];
const LINES = 300;

/** The lines exit_fixture writes for `ending`, in order. */
function fixtureLines(ending: string): string[] {
  const lines = [`c:exit.counter,ending=${ending}:1`, "g:exit.gauge:42"];
  for (let i = 2; i < LINES; i++) lines.push(`d:exit.dist:${i}`);
  return lines;
}

interface Delivery {
  lines: string[];
  code: number | null;
  signal: string | null;
  stderr: string;
}

/**
 * Runs exit_fixture with `ending` and `buffering` against a fresh listener:
 * until it exits, or for the idle endings until SIGTERM ends it. Returns what
 * arrived, waiting up to `waitMs` for every line.
 */
async function deliver(
  denoFlags: string[],
  ending: string,
  buffering: "default" | "buffered",
  waitMs = 1000,
): Promise<Delivery> {
  const listener = await listenUdp();
  try {
    const options = {
      args: [String(listener.port), ending, buffering, String(LINES)],
      env: CLEAN_SPECTATOR_ENV,
      denoFlags,
      timeoutMs: 10_000,
    };
    const result = ending.startsWith("idle")
      ? await signalFixture("exit_fixture", options)
      : { ...(await runFixture("exit_fixture", options)), signal: null };
    await listener.waitForLines(LINES, waitMs).catch(() => {});
    return { lines: listener.lines(), code: result.code, signal: result.signal, stderr: result.stderr };
  } finally {
    await listener.close();
  }
}

/** Asserts that `lines` are the first lines `ending` wrote, in order, and fewer than all of them. */
function assertLostTheTail(lines: string[], ending: string): void {
  assert.ok(lines.length < LINES, `expected lines to be lost, ${lines.length} arrived`);
  assert.deepEqual(lines, fixtureLines(ending).slice(0, lines.length));
}

for (const { route, denoFlags } of ROUTES) {
  test(`A child process with bufferSize that awaits close() and calls process.exit(0) delivers what it wrote${route}`, async () => {
    const result = await deliver(denoFlags, "close-exit", "buffered");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.deepEqual(result.lines, fixtureLines("close-exit"));
  });

  test(`An idle child process killed by SIGTERM has delivered every line written (bufferSize 0)${route}`, async () => {
    const result = await deliver(denoFlags, "idle", "default");
    // The library installs no signal handler: the signal still ends the process.
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.stderr, "");
    assert.deepEqual(result.lines, fixtureLines("idle"));
  });

  test(`An idle child process with bufferSize killed by SIGTERM loses the lines still in its buffer${route}`, async () => {
    // Full datagrams (512 bytes here) leave as they fill; the last, partly filled one waits for
    // bufferSize or flushIntervalMs, and dies with the process.
    const result = await deliver(denoFlags, "idle", "buffered", 300);
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.stderr, "");
    assertLostTheTail(result.lines, "idle");
    assert.ok(result.lines.length > 0, "the full datagrams were sent before the signal");
  });

  for (const buffering of ["default", "buffered"] as const) {
    test(
      `The documented SIGTERM handler (await registry.close(), then process.exit(0)) delivers every line (${buffering}${route})`,
      async () => {
        const result = await deliver(denoFlags, "idle-handler", buffering);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.signal, null);
        assert.equal(result.stderr, "");
        assert.deepEqual(result.lines, fixtureLines("idle-handler"));
      },
    );

    test(`process.exit() in the same synchronous stretch as the writes, without close(), loses them all (${buffering}${route})`, async () => {
      // Default mode sends at the end of the event-loop turn, which process.exit() never reaches.
      const result = await deliver(denoFlags, "exit", buffering, 300);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.deepEqual(result.lines, []);
    });
  }

  // Deno's own sockets send one datagram after another, each when the event loop runs.
  const serialSends = route === ", Deno's own sockets";
  const delivered = serialSends ? "the first datagrams in order, up to the exit," : "all or nothing";
  test(`process.exit() a turn after the writes, without close(), delivers ${delivered} with bufferSize 0${route}`, async () => {
    // The lines leave at the end of the writing turn, once the socket is open. Bun opens its
    // socket asynchronously, and Deno's own sockets send only when the event loop runs: on
    // those, a process.exit() in the next turn loses every line, or (Deno) those of the
    // datagrams it had not sent yet: whether the first send completes before a 1 ms timer is a
    // race, which on a loaded machine goes either way.
    const result = await deliver(denoFlags, "exit-next-turn", "default");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const written = fixtureLines("exit-next-turn");
    if (serialSends) assert.deepEqual(result.lines, written.slice(0, result.lines.length));
    else if (result.lines.length > 0) assert.deepEqual(result.lines, written);
  });

  test(`process.exit() a turn after the writes, without close(), loses the lines still in the buffer${route}`, async () => {
    const result = await deliver(denoFlags, "exit-next-turn", "buffered", 300);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assertLostTheTail(result.lines, "exit-next-turn");
  });
}
