import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { test } from "node:test";
import { Config, type ConfigOptions, LineWriter, Registry, type Transport, type TransportContext } from "../mod.ts";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { connectNodeUnix, loadUnixSocketPackage } from "../src/transports/_node_unix.ts";
import { runtimeTransport } from "../src/transports/_routes.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { CLEAN_SPECTATOR_ENV, withEnv } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { assertUnixErrorCodes, listenUnix, tempSocketDir, type UnixListener } from "./helpers/unix_listener.ts";
import { tick, until } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;
/** Deno with --unstable-net, where `unix` locations use Deno.listenDatagram. */
const denoNet = runtime === "deno" && denoDatagramApi() !== undefined;
/** Where the C library can be reached: Bun, and Deno with --allow-ffi. */
const ffi = runtime === "bun" || (runtime === "deno" && platform().isGranted({ name: "ffi" }));
/** Node with the optional package node-unix-socket, a development dependency of this project. */
const nodePackage = runtime === "node" && !("unavailable" in await loadUnixSocketPackage());
/** The route a `unix://` location takes with the default Config on this runtime, if any. */
const route = ffi ? "ffi" : denoNet ? "deno" : nodePackage ? "node-unix-socket" : undefined;
const noRoute = route === undefined ? `${runtime} has no Unix datagram route here` : false;
const context = { onError: () => {}, logger: new CollectingLogger() };

/** A registry writing to `unix://<path>`, without common tags from the environment. */
function unixRegistry(path: string, options: ConfigOptions = {}): Registry {
  return new Registry(withEnv({}, () => new Config({ location: `unix://${path}`, ...options })));
}

/** Runs `fn` with a fresh socket directory and a listener at `<dir>/agent.sock`, closing both after. */
async function withListener(fn: (listener: UnixListener, path: string) => Promise<void>): Promise<void> {
  const dir = tempSocketDir();
  const listener = await listenUnix(dir.path());
  try {
    await fn(listener, dir.path());
  } finally {
    await listener.close();
    dir.remove();
  }
}

test("the suite knows which Unix route this runtime takes", () => {
  if (runtime === "node") assert.equal(route, "node-unix-socket");
  else if (runtime === "bun") assert.equal(route, "ffi");
  else assert.equal(route, "ffi"); // the suite runs Deno with -A: FFI is granted, and preferred to --unstable-net
});

test("runtimeTransport() warns once and falls back to UDP where no Unix route exists", async () => {
  const dir = tempSocketDir();
  const opened: Transport[] = [];
  try {
    const logger = new CollectingLogger();
    const connect = runtimeTransport({ unixFfi: runtime !== "deno" });
    const target = { kind: "unix", path: dir.path() } as const;
    if (runtime === "bun" || denoNet || nodePackage) {
      // A Unix route exists whatever unixFfi says: no warning, and the transport reaches a socket.
      const listener = await listenUnix(dir.path());
      try {
        const transport = await connect(target, { onError: () => {}, logger });
        opened.push(transport);
        await transport.send(new TextEncoder().encode("c:route:1"));
        assert.deepEqual(await listener.waitForDatagrams(1), ["c:route:1"]);
      } finally {
        await listener.close();
      }
      assert.deepEqual(logger.messages("warn"), []);
      return;
    }
    // Deno without --unstable-net and with unixFfi off: UDP to the default agent address (Node without its
    // package: see the fallback fixture's test below).
    // Nothing is sent: delivery to 127.0.0.1:1234 cannot be asserted safely.
    opened.push(await connect(target, { onError: () => {}, logger }));
    opened.push(await connect(target, { onError: () => {}, logger }));
    const warnings = logger.messages("warn");
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /^spectator\.writer: cannot use unix:\/\//);
    assert.ok(warnings[0].includes(dir.path()), warnings[0]);
    assert.ok(warnings[0].includes("sending to udp://127.0.0.1:1234 instead"), warnings[0]);
  } finally {
    for (const transport of opened) await transport.close();
    dir.remove();
  }
});

test(
  "A unix:// location that falls back to UDP warns once, naming how to get a Unix route, and its messages name where lines go",
  {
    skip: runtime === "bun" ? "Bun always reaches Unix sockets" : false,
  },
  async () => {
    const dir = tempSocketDir();
    try {
      const result = await runFixture("unix_fallback_fixture", {
        args: [dir.path()],
        env: { ...CLEAN_SPECTATOR_ENV, NODE_PATH: undefined },
        // Node: from a copy outside the project, where node-unix-socket cannot be found. Deno: neither --allow-ffi
        // nor --unstable-net.
        outsideProject: runtime === "node",
        denoFlags: ["--allow-net", "--allow-env"],
      });
      assert.equal(result.code, 0, result.stderr);
      const messages = JSON.parse(result.stdout) as string[];
      const why = runtime === "node"
        ? "Node reaches Unix datagram sockets only through the optional package node-unix-socket, which is not " +
          "installed (npm install node-unix-socket)"
        : "Deno reaches Unix datagram sockets only with --unstable-net, or with --allow-ffi";
      const udp = "udp://127.0.0.1:1234";
      assert.equal(messages[0], `spectator.writer: cannot use unix://${dir.path()}: ${why}; sending to ${udp} instead`);
      assert.equal(messages.filter((message) => message.includes("cannot use")).length, 1, messages.join("\n"));
      const dropped =
        `spectator.writer: dropped a line for ${udp} (instead of unix://${dir.path()}): the writer is closed`;
      assert.ok(messages.some((message) => message.startsWith(dropped)), messages.join("\n"));
      for (const message of messages.slice(1)) assert.ok(!/(to|for) unix:/.test(message), message);
    } finally {
      dir.remove();
    }
  },
);

test("Registry joins the lines of one synchronous stretch into one datagram", { skip: noRoute }, async () => {
  await withListener(async (listener, path) => {
    const logger = new CollectingLogger();
    const registry = unixRegistry(path, { logger });
    try {
      registry.counter("server.requests", { status: "200" }).increment();
      registry.gauge("queue.size").set(3);
      registry.timer("server.latency").record(0.25);
      registry.distributionSummary("payload.bytes").record(512);
      // The counter's and the gauge's lines wait in the fold table until the turn ends.
      assert.deepEqual(await listener.waitForDatagrams(1), [
        "t:server.latency:0.25\nd:payload.bytes:512\nc:server.requests,status=200:1\ng:queue.size:3",
      ]);
      registry.maxGauge("pool.max").set(7);
      registry.counter("server.requests", { status: "500" }).increment(2);
      await registry.flush();
      assert.deepEqual(await listener.waitForDatagrams(2), [
        "t:server.latency:0.25\nd:payload.bytes:512\nc:server.requests,status=200:1\ng:queue.size:3",
        "m:pool.max:7\nc:server.requests,status=500:2",
      ]);
      assert.deepEqual((registry.writer() as LineWriter).stats(), {
        sentLines: 6,
        sentDatagrams: 2,
        droppedLines: 0,
        foldedUpdates: 0,
        pendingBytes: 0,
        errors: 0,
      });
    } finally {
      await registry.close();
    }
    assert.deepEqual(logger.records, []);
  });
});

test("Registry.flush() and close() deliver buffered lines; writes after close are dropped", {
  skip: noRoute,
}, async () => {
  await withListener(async (listener, path) => {
    const registry = unixRegistry(path, { bufferSize: 4096, flushIntervalMs: 60_000, logLevel: "off" });
    registry.counter("a").increment();
    registry.counter("b").increment();
    await tick(30);
    assert.deepEqual(listener.datagrams, [], "buffered lines were sent before flush()");
    await registry.flush();
    assert.deepEqual(await listener.waitForDatagrams(1), ["c:a:1\nc:b:1"]);
    registry.gauge("c").set(1);
    await registry.close();
    assert.deepEqual(await listener.waitForDatagrams(2), ["c:a:1\nc:b:1", "g:c:1"]);
    registry.counter("late").increment();
    await registry.close(); // a second close is a no-op
    const stats = (registry.writer() as LineWriter).stats();
    assert.equal(stats.droppedLines, 1);
    assert.equal(stats.sentLines, 3);
  });
});

for (const maxDatagramBytes of [512, 61440]) {
  test(`a burst reaches the socket in order in datagrams of at most ${maxDatagramBytes} bytes`, {
    skip: noRoute,
  }, async () => {
    // Far more datagrams than a Unix socket queues (net.unix.max_dgram_qlen, often 10), so the
    // transport must wait for the listener rather than drop.
    const count = maxDatagramBytes === 512 ? 4000 : 60_000;
    await withListener(async (listener, path) => {
      const registry = unixRegistry(path, { maxDatagramBytes, logLevel: "off" });
      const expected: string[] = [];
      try {
        for (let i = 0; i < count; i++) {
          registry.counter("burst.counter", { id: String(i) }).increment();
          expected.push(`c:burst.counter,id=${i}:1`);
        }
        await registry.flush();
        const lines = await listener.waitForLines(count, 10_000);
        assert.equal(lines.length, count);
        assert.deepEqual(lines, expected);
        assert.ok(listener.sizes.every((size) => size <= maxDatagramBytes), `sizes: ${listener.sizes}`);
        assert.ok(listener.datagrams.length >= Math.ceil((count * 20) / maxDatagramBytes));
        const stats = (registry.writer() as LineWriter).stats();
        assert.equal(stats.droppedLines, 0);
        assert.equal(stats.sentLines, count);
      } finally {
        await registry.close();
      }
    });
  });
}

test("a listener re-created at the same path receives again without user action", { skip: noRoute }, async () => {
  const dir = tempSocketDir();
  const path = dir.path();
  const logger = new CollectingLogger();
  const registry = unixRegistry(path, { logger });
  let listener = await listenUnix(path);
  try {
    registry.counter("before").increment();
    assert.deepEqual(await listener.waitForDatagrams(1), ["c:before:1"]);
    await listener.close(); // the socket file stays, like a crashed agent's
    registry.counter("while.down").increment();
    await registry.flush();
    listener = await listenUnix(path);
    // Keep writing, as an application would; the LineWriter reconnects after its 1 s delay.
    let written = 0;
    await until(
      () => {
        if (listener.datagrams.length > 0) return true;
        registry.counter("after").increment();
        written++;
        return false;
      },
      "a datagram at the new listener",
      { timeoutMs: 5000 },
    );
    assert.ok(written > 0);
    assert.match(listener.lines()[0], /^c:after:\d+$/, "increments made while the socket was re-created fold");
    const errors = logger.messages("error");
    assert.ok(errors.length >= 1);
    assert.ok(errors[0].includes(`unix://${path}`) && errors[0].includes("ECONNREFUSED"), errors[0]);
  } finally {
    await registry.close();
    await listener.close();
    dir.remove();
  }
});

test("a missing socket path never throws from writes and logs one error", { skip: noRoute }, async () => {
  const dir = tempSocketDir();
  const path = dir.path("missing.sock");
  const logger = new CollectingLogger();
  const registry = unixRegistry(path, { logger });
  try {
    for (let i = 0; i < 5; i++) {
      registry.counter("lost").increment();
      await registry.flush();
    }
    const stats = (registry.writer() as LineWriter).stats();
    assert.equal(stats.sentLines, 0);
    assert.equal(stats.droppedLines, 5);
    assert.ok(stats.errors >= 2, `errors: ${stats.errors}`);
    const errors = logger.messages("error");
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.ok(errors[0].includes(`unix://${path}`) && errors[0].includes("ENOENT"), errors[0]);
  } finally {
    await registry.close();
    dir.remove();
  }
});

test(
  "connectUnixFfi() sends through the C library and reports errno codes",
  { skip: ffi ? false : "no FFI" },
  async (t) => {
    const { connectUnixFfi } = await import("../src/transports/_unix_ffi.ts");
    const encoder = new TextEncoder();

    await t.test("a path longer than sun_path is a RangeError", () => {
      assert.throws(() => connectUnixFfi(`/tmp/${"x".repeat(120)}`, context), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, /holds at most 10[37] bytes: received 125/);
        return true;
      });
    });

    await t.test("a missing path is ENOENT, a socket file nobody listens on or a plain file ECONNREFUSED", async () => {
      const dir = tempSocketDir();
      try {
        await (await assertUnixErrorCodes(dir, (path) => connectUnixFfi(path, context))).close();
      } finally {
        dir.remove();
      }
    });

    await t.test("it sends a view's bytes only, and close() releases the descriptor", async () => {
      await withListener(async (listener, path) => {
        const fds = () => (existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : -1);
        const before = fds();
        const transport = await connectUnixFfi(path, context);
        if (before >= 0) assert.equal(fds(), before + 1);
        const bytes = encoder.encode("xxc:view:1yy");
        assert.equal(transport.send(bytes.subarray(2, 10)), undefined);
        assert.deepEqual(await listener.waitForDatagrams(1), ["c:view:1"]);
        await transport.close();
        await transport.close();
        if (before >= 0) assert.equal(fds(), before);
        assert.throws(() => transport.send(bytes), { code: "EBADF" });
      });
    });
  },
);

test("connectDenoUnix() binds a private socket, removes it on close and bounds a stall", {
  skip: denoNet ? false : "Deno.listenDatagram needs Deno with --unstable-net",
}, async (t) => {
  const { connectDenoUnix } = await import("../src/transports/_deno_unix.ts");
  const encoder = new TextEncoder();

  await t.test("the temporary socket exists while open and is removed by close()", async () => {
    await withListener(async (listener, path) => {
      const transport = await connectDenoUnix(path, context);
      await transport.send(encoder.encode("c:deno:1"));
      assert.deepEqual(await listener.waitForDatagrams(1), ["c:deno:1"]);
      const local = listener.senders[0];
      assert.match(local, /\/spectator-[0-9a-f]{12}\/c\.sock$/);
      assert.ok(existsSync(local));
      await transport.close();
      assert.ok(!existsSync(dirname(local)), `${dirname(local)} was left behind`);
    });
  });

  await t.test("errors carry codes; a path longer than sun_path is a RangeError", async () => {
    const dir = tempSocketDir();
    const transport = await connectDenoUnix(dir.path(), context);
    try {
      await assert.rejects(transport.send(encoder.encode("c:x:1")) as Promise<void>, { code: "ENOENT" });
      await assert.rejects(connectDenoUnix(`/tmp/${"x".repeat(120)}`, context), RangeError);
    } finally {
      await transport.close();
      dir.remove();
    }
  });

  await t.test("missing permissions name the flags instead of prompting", async () => {
    const dir = tempSocketDir();
    try {
      const denoUnix = await runFixture("unix_permissions_fixture", {
        args: ["deno_unix", dir.path()],
        denoFlags: ["--unstable-net", "--allow-read", "--allow-env", "--no-prompt"],
      });
      assert.match(denoUnix.stdout, /^error: Cannot open unix:\/\/.* run Deno with --allow-net --allow-write /);
      const ffi = await runFixture("unix_permissions_fixture", {
        args: ["ffi", dir.path()],
        denoFlags: ["--allow-read", "--allow-env", "--no-prompt"],
      });
      assert.match(ffi.stdout, /^error: Cannot load the C library for Unix sockets: run Deno with --allow-ffi/);
    } finally {
      dir.remove();
    }
  });
});

/** The Unix routes this runtime has, each with the adapter that opens it. */
const UNIX_ROUTES = [
  { name: "libc", available: ffi, open: async () => (await import("../src/transports/_unix_ffi.ts")).connectUnixFfi },
  {
    name: "Deno.listenDatagram",
    available: denoNet,
    open: async () => (await import("../src/transports/_deno_unix.ts")).connectDenoUnix,
  },
  {
    name: "node-unix-socket",
    available: nodePackage,
    open: async () => {
      const loaded = await loadUnixSocketPackage();
      if ("unavailable" in loaded) throw new Error(loaded.unavailable);
      return (path: string, context: TransportContext) => connectNodeUnix(path, context, loaded.DgramSocket);
    },
  },
];

for (const route of UNIX_ROUTES) {
  test(
    `LineWriter over ${route.name}: a full receive queue delays datagrams in order; a receiver that stalls loses them with EAGAIN after stallMs, then delivery resumes`,
    {
      skip: route.available ? false : `no ${route.name} route here`,
    },
    async () => {
      const connect = await route.open();
      await withListener(async (listener, path) => {
        const logger = new CollectingLogger();
        // One 30 KB line per datagram: 20 of them overflow the socket's buffer whatever the queue length.
        const writer = new LineWriter((context) => connect(path, context), {
          description: `unix://${path}`,
          maxDatagramBytes: 32_000,
          stallMs: 200,
          logger,
        });
        const line = (name: string, i: number) => `c:${name}:${i}`.padEnd(30_000, "x");
        try {
          writer.write("c:open:1");
          await writer.flush();
          assert.deepEqual(await listener.waitForDatagrams(1), ["c:open:1"]);

          await listener.pause();
          for (let i = 0; i < 20; i++) writer.write(line("queued", i));
          const flushed = writer.flush();
          await tick(50);
          await listener.resume();
          await flushed;
          const received = await listener.waitForDatagrams(21);
          assert.deepEqual(
            received.slice(1).map((text) => text.replace(/x+$/, "")),
            Array.from({ length: 20 }, (_, i) => `c:queued:${i}`),
          );
          assert.equal(writer.stats().droppedLines, 0);

          await listener.pause();
          const started = Date.now();
          for (let i = 0; i < 20; i++) writer.write(line("stalled", i));
          await writer.flush();
          assert.ok(Date.now() - started >= 190, `the flush gave up after ${Date.now() - started} ms`);
          const lost = writer.stats().droppedLines;
          assert.ok(lost > 0 && lost < 20, `${lost} lines lost`);
          const errors = logger.messages("error");
          assert.ok(
            errors.some((error) => error.includes("the receiver took no datagram for 200 ms (EAGAIN)")),
            errors.join("\n"),
          );
          await listener.resume();
          await until(
            () => {
              writer.write("c:after:1");
              return listener.datagrams.includes("c:after:1");
            },
            "a datagram after the stall",
            { timeoutMs: 3000 },
          );
        } finally {
          await writer.close();
        }
      });
    },
  );
}
