// The Node route to Unix datagram sockets: the optional package node-unix-socket (a development dependency of this
// project), through src/transports/_node_unix.ts. On Deno and Bun the package is never loaded: they have routes of
// their own, and these tests are skipped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectNodeUnix, loadUnixSocketPackage } from "../src/transports/_node_unix.ts";
import { exitFixtureLines } from "./helpers/child_delivery.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { assertUnixErrorCodes, listenUnix, tempSocketDir } from "./helpers/unix_listener.ts";
import { platform } from "../src/_platform.ts";

const onNode = platform().runtime === "node";
const skip = onNode ? false : "node-unix-socket is Node's route";
const context = { onError: () => {}, logger: new CollectingLogger() };
const encoder = new TextEncoder();

/** The package's socket class; the tests run only where it loads. */
async function dgramSocket() {
  const loaded = await loadUnixSocketPackage();
  if ("unavailable" in loaded) throw new Error(loaded.unavailable);
  return loaded.DgramSocket;
}

test("loadUnixSocketPackage() finds the development dependency, once", { skip }, async () => {
  const first = await loadUnixSocketPackage();
  assert.ok(!("unavailable" in first), JSON.stringify(first));
  assert.equal(loadUnixSocketPackage(), first, "loaded: the same answer, synchronously");
});

test("connectNodeUnix() sends a view's bytes, says the socket keeps the process alive, and reports codes", {
  skip,
}, async (t) => {
  const DgramSocket = await dgramSocket();

  await t.test("a path longer than sun_path is a RangeError", () => {
    assert.throws(() => connectNodeUnix(`/tmp/${"x".repeat(120)}`, context, DgramSocket), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /holds at most 107 bytes: received 125/);
      return true;
    });
  });

  await t.test("it sends at once, and only the view's bytes", async () => {
    const dir = tempSocketDir();
    const listener = await listenUnix(dir.path());
    const transport = connectNodeUnix(dir.path(), context, DgramSocket);
    try {
      assert.equal(transport.keepsProcessAlive, true);
      const bytes = encoder.encode("xxc:view:1yy");
      assert.equal(transport.send(bytes.subarray(2, 10)), undefined, "a send the socket takes at once returns nothing");
      bytes.fill(0); // the package copied the bytes before it sent them
      assert.deepEqual(await listener.waitForDatagrams(1), ["c:view:1"]);
    } finally {
      await transport.close();
      await transport.close();
      await listener.close();
      dir.remove();
    }
  });

  await t.test("a missing path is ENOENT, a socket file nobody listens on or a plain file ECONNREFUSED", async () => {
    const dir = tempSocketDir();
    try {
      const transport = await assertUnixErrorCodes(dir, (path) => connectNodeUnix(path, context, DgramSocket));
      await transport.close();
      assert.throws(() => transport.send(encoder.encode("c:x:1")), /Cannot send to unix:.*closed \(EOTHER\)/);
    } finally {
      dir.remove();
    }
  });

  await t.test("a datagram past the socket's limit is EMSGSIZE", async () => {
    const dir = tempSocketDir();
    const listener = await listenUnix(dir.path());
    const transport = connectNodeUnix(dir.path(), context, DgramSocket);
    try {
      assert.throws(() => transport.send(new Uint8Array(300_000)), { code: "EMSGSIZE" });
    } finally {
      await transport.close();
      await listener.close();
      dir.remove();
    }
  });
});

test("A Node program that writes to a Unix socket through node-unix-socket and simply ends delivers and exits", {
  skip,
}, async () => {
  // The package's socket cannot be unref'd: the writer closes it once nothing else keeps the process alive. A
  // process kept alive would run into the fixture's timeout.
  const dir = tempSocketDir();
  const listener = await listenUnix(dir.path());
  try {
    const result = await runFixture("exit_fixture", {
      args: [`unix://${dir.path()}`, "end", "default", "300"],
      env: CLEAN_SPECTATOR_ENV,
      timeoutMs: 10_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.deepEqual(await listener.waitForLines(300, 2000), exitFixtureLines("end", 300));
  } finally {
    await listener.close();
    dir.remove();
  }
});
