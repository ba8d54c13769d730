/**
 * Delivery from a child process: runs a fixture that writes metrics to a
 * fresh loopback UDP listener and ends, checks that it exits cleanly and
 * promptly, and returns what the listener received.
 *
 * @module
 */

import assert from "node:assert/strict";
import { denoDatagramApi } from "../../src/transports/_deno_udp.ts";
import { CLEAN_SPECTATOR_ENV } from "./env.ts";
import { foldedTurnOrder } from "./meter_kinds.ts";
import { runFixture } from "./run_fixture.ts";
import { listenUdp } from "./udp_listener.ts";
import { platform } from "../../src/_platform.ts";

/** Deno children get `--unstable-net` exactly when the test process has it, so both Deno runs cover both routes. */
const denoFlags = platform().runtime === "deno" && denoDatagramApi() !== undefined ? ["-A", "--unstable-net"] : ["-A"];

/**
 * Runs `tests/fixtures/<stem>` with the listener's port as its first argument
 * and `args` after it; asserts it exits with code 0, prints nothing on
 * standard error and ends within 5 s; then waits up to 1 s for
 * `expectedLines` lines and returns every line received.
 *
 * @param stem the fixture's file name without extension
 * @param args arguments after the port
 * @param expectedLines how many lines to wait for
 */
export async function linesFromChild(stem: string, args: string[], expectedLines: number): Promise<string[]> {
  const listener = await listenUdp();
  try {
    const started = Date.now();
    const result = await runFixture(stem, {
      args: [String(listener.port), ...args],
      env: CLEAN_SPECTATOR_ENV,
      denoFlags,
      timeoutMs: 10_000,
    });
    const elapsed = Date.now() - started;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.ok(elapsed < 5000, `the child ran ${elapsed} ms`);
    await listener.waitForLines(expectedLines, 1000);
    return listener.lines();
  } finally {
    await listener.close();
  }
}

/**
 * The lines `tests/fixtures/exit_fixture.ts` writes for `ending`, in the order they are sent: its distribution
 * summary's samples as written, then its counter and gauge, whose lines wait in the fold table until the turn ends.
 *
 * @param ending the fixture's ending argument, which tags the counter
 * @param count how many lines it writes
 */
export function exitFixtureLines(ending: string, count: number): string[] {
  const lines = [`c:exit.counter,ending=${ending}:1`, "g:exit.gauge:42"];
  for (let i = 2; i < count; i++) lines.push(`d:exit.dist:${i}`);
  return foldedTurnOrder(lines);
}
