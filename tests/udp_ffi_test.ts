import assert from "node:assert/strict";
import dns from "node:dns";
import { existsSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { Config, type ConfigOptions, type LineWriter, Registry } from "../mod.ts";
import { errnoError, errnoName, socketAddress } from "../src/transports/_libc_datagram.ts";
import { ipv4Bytes, ipv6Bytes, sockaddrIn } from "../src/transports/_libc_inet.ts";
import { runtimeTransport } from "../src/transports/_routes.ts";
import { type Transport, TransportError } from "../src/transports/transport.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { holdDeadUdpPort } from "./helpers/dead_udp_port.ts";
import { withEnv } from "./helpers/env.ts";
import { listenUdp, listenUdpInChild, type UdpListener } from "./helpers/udp_listener.ts";
import { until } from "./helpers/wait.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;
/** Where the C library can be reached: Bun, and Deno with --allow-ffi (the suite runs Deno with -A). */
const ffi = runtime === "bun" || (runtime === "deno" && platform().isGranted({ name: "ffi" }));
const noFfi = ffi ? false : `${runtime} has no FFI here`;
/** Deno without FFI sends through its own sockets: later, and blind to ICMP errors. */
const denoOwnSockets = runtime === "deno" && !ffi ? "Deno's own UDP sockets send only when the event loop runs" : false;
const context = { onError: () => {}, logger: new CollectingLogger() };
const encoder = new TextEncoder();

/** Runs `body` with a UDP socket through the C library aimed at `listener`, and closes it whatever happens. */
async function withFfiSocket(
  listener: { host: string; port: number },
  body: (transport: Transport) => Promise<void>,
): Promise<void> {
  const { connectUdpFfi } = await import("../src/transports/_udp_ffi.ts");
  const transport = await connectUdpFfi({ host: listener.host, port: listener.port }, context);
  try {
    await body(transport);
  } finally {
    await transport.close();
  }
}

function openFds(): number {
  return existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : -1;
}

/** A registry for `location`, without common tags from the environment, logging to a CollectingLogger. */
function udpRegistry(location: string, options: ConfigOptions = {}): { registry: Registry; logger: CollectingLogger } {
  const logger = new CollectingLogger();
  const registry = new Registry(withEnv({}, () => new Config({ location, logger, ...options })));
  return { registry, logger };
}

test("ipv4Bytes() and ipv6Bytes() read IP literals and reject anything else", () => {
  assert.deepEqual(ipv4Bytes("127.0.0.1"), Uint8Array.of(127, 0, 0, 1));
  assert.deepEqual(ipv4Bytes("255.255.255.255"), Uint8Array.of(255, 255, 255, 255));
  for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "", "1..2.3"]) {
    assert.equal(ipv4Bytes(bad), undefined, bad);
  }
  const loopback = new Uint8Array(16);
  loopback[15] = 1;
  assert.deepEqual(ipv6Bytes("::1"), loopback);
  assert.deepEqual(ipv6Bytes("0:0:0:0:0:0:0:1"), loopback);
  assert.deepEqual(ipv6Bytes("::"), new Uint8Array(16));
  assert.deepEqual(
    ipv6Bytes("fd00:ab::12:3456"),
    Uint8Array.of(0xfd, 0, 0, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56),
  );
  assert.deepEqual(
    ipv6Bytes("::ffff:127.0.0.1"),
    Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1),
  );
  assert.deepEqual(ipv6Bytes("FE80::1"), Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  for (const bad of ["1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::1%lo", "12345::", "1.2.3.4::", "g::1", ":1"]) {
    assert.equal(ipv6Bytes(bad), undefined, bad);
  }
});

test("sockaddrIn() lays out sockaddr_in and sockaddr_in6 for Linux and macOS", () => {
  const v4 = { family: 4, remote: "127.0.0.1", port: 1234 } as const;
  // Linux: a native-endian 16-bit family (2), the port in network byte order (0x04d2), the address, 8 zero bytes.
  const family = new Uint8Array(new Uint16Array([2]).buffer);
  assert.deepEqual(sockaddrIn(v4, "linux"), Uint8Array.of(...family, 0x04, 0xd2, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));
  // macOS: sin_len (16), then a one-byte family.
  assert.deepEqual(sockaddrIn(v4, "darwin"), Uint8Array.of(16, 2, 0x04, 0xd2, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));

  const v6 = sockaddrIn({ family: 6, remote: "::1", port: 65535 }, "linux");
  assert.equal(v6.length, 28);
  assert.equal(new Uint16Array(v6.buffer, 0, 1)[0], 10); // AF_INET6 on Linux
  assert.deepEqual([...v6.subarray(2, 4)], [0xff, 0xff]);
  assert.deepEqual([...v6.subarray(4, 8)], [0, 0, 0, 0], "sin6_flowinfo");
  assert.deepEqual(v6.subarray(8, 24), ipv6Bytes("::1"));
  assert.deepEqual([...v6.subarray(24)], [0, 0, 0, 0], "sin6_scope_id");
  const v6Mac = sockaddrIn({ family: 6, remote: "::1", port: 80 }, "darwin");
  assert.deepEqual([...v6Mac.subarray(0, 4)], [28, 30, 0, 80]);

  assert.throws(() => sockaddrIn({ family: 4, remote: "::1", port: 1 }, "linux"), {
    name: "TypeError",
    message: "Cannot open udp://[::1]:1: not an IPv4 address: received ::1",
  });
  assert.throws(() => sockaddrIn({ family: 6, remote: "fe80::1%eth0", port: 1 }, "linux"), TypeError);
  assert.throws(() => sockaddrIn({ family: 4, remote: "127.0.0.1", port: 65536 }, "linux"), RangeError);
});

test("errnoName() and errnoError() name errno values for each platform", () => {
  assert.equal(errnoName(111, "linux"), "ECONNREFUSED");
  assert.equal(errnoName(61, "darwin"), "ECONNREFUSED");
  assert.equal(errnoName(90, "linux"), "EMSGSIZE");
  assert.equal(errnoName(11, "linux"), "EAGAIN");
  assert.equal(errnoName(35, "darwin"), "EAGAIN");
  assert.equal(errnoName(101, "linux"), "ENETUNREACH");
  assert.equal(errnoName(65, "darwin"), "EHOSTUNREACH");
  assert.equal(errnoName(9999, "linux"), "errno 9999");
  const error = errnoError(111, "send to", "udp://127.0.0.1:1234", "linux");
  assert.equal(error.message, "Cannot send to udp://127.0.0.1:1234: nothing is listening there (ECONNREFUSED)");
  assert.ok(error instanceof TransportError);
  assert.deepEqual({ ...error }, { name: "TransportError", code: "ECONNREFUSED", errno: 111, syscall: "send to" });
  assert.equal(errnoError(9999, "send to", "udp://127.0.0.1:1234", "linux").code, "EOTHER");
  assert.deepEqual([...socketAddress(4, 1, "darwin")], [4, 1, 0, 0]);
});

for (const host of ["127.0.0.1", "::1"]) {
  test(`connectUdpFfi() sends exact datagrams to a node:dgram listener on ${host}`, { skip: noFfi }, async () => {
    const listener = await listenUdp({ host });
    try {
      const before = openFds();
      await withFfiSocket(listener, async (transport) => {
        if (before >= 0) assert.equal(openFds(), before + 1, "one descriptor while open");
        const bytes = encoder.encode("xxc:view:1yy");
        assert.equal(transport.send(bytes.subarray(2, 10)), undefined, "the send is synchronous");
        assert.equal(transport.send(encoder.encode("c:a:1\ng:b:2")), undefined);
        assert.equal(transport.send(encoder.encode("é:ü:3")), undefined);
        assert.deepEqual(await listener.waitForDatagrams(3), ["c:view:1", "c:a:1\ng:b:2", "é:ü:3"]);
        assert.deepEqual(listener.sizes, [8, 11, 7]);
      });
      if (before >= 0) assert.equal(openFds(), before, "close() releases the descriptor");
    } finally {
      await listener.close();
    }
  });
}

test("connectUdpFfi() resolves a hostname", { skip: noFfi }, async () => {
  const { address } = await dns.promises.lookup("localhost");
  const listener = await listenUdp({ host: address });
  try {
    await withFfiSocket({ host: "localhost", port: listener.port }, async (transport) => {
      transport.send(encoder.encode("c:localhost:1"));
      assert.deepEqual(await listener.waitForDatagrams(1), ["c:localhost:1"]);
    });
    const { connectUdpFfi } = await import("../src/transports/_udp_ffi.ts");
    await assert.rejects(async () =>
      await connectUdpFfi({ host: "no-such-host.invalid", port: listener.port }, context)
    );
  } finally {
    await listener.close();
  }
});

test("connectUdpFfi() reports errno codes: ECONNREFUSED, EMSGSIZE, EBADF", { skip: noFfi }, async (t) => {
  await t.test("a dead port is ECONNREFUSED on a later send, and sending works again after", async () => {
    const dead = await holdDeadUdpPort();
    const { port } = dead;
    await withFfiSocket({ host: "127.0.0.1", port }, async (transport) => {
      let refused: unknown;
      // The first send goes out; ICMP "port unreachable" comes back and fails a later one.
      await until(() => {
        try {
          transport.send(encoder.encode("c:dead:1"));
          return false;
        } catch (error) {
          refused = error;
          return true;
        }
      }, "ECONNREFUSED");
      assert.ok(refused instanceof Error);
      assert.equal((refused as { code?: string }).code, "ECONNREFUSED");
      assert.match(refused.message, new RegExp(`^Cannot send to udp://127\\.0\\.0\\.1:${port}: .*\\(ECONNREFUSED\\)$`));
      // The kernel reports the error once; the socket stays usable.
      assert.equal(transport.send(encoder.encode("c:dead:2")), undefined);
    }).finally(() => dead.release());
  });

  await t.test("a datagram over the IPv4 limit is EMSGSIZE, and the socket stays usable", async () => {
    const listener = await listenUdp();
    try {
      await withFfiSocket(listener, async (transport) => {
        assert.throws(() => transport.send(new Uint8Array(65_508)), { code: "EMSGSIZE" });
        assert.equal(transport.send(new Uint8Array(65_507).fill(0x61)), undefined);
        transport.send(encoder.encode("c:after:1"));
        await listener.waitForDatagrams(2);
        assert.deepEqual(listener.sizes, [65_507, 9]);
      });
    } finally {
      await listener.close();
    }
  });

  await t.test("a send after close() is EBADF; close() twice is a no-op", async () => {
    const listener = await listenUdp();
    try {
      let closed: Transport | undefined;
      await withFfiSocket(listener, async (transport) => {
        closed = transport;
        await transport.close();
      });
      assert.throws(() => closed!.send(encoder.encode("c:late:1")), { code: "EBADF" });
    } finally {
      await listener.close();
    }
  });

  await t.test("an address that is not an IP literal of its family is a TypeError", async () => {
    const { openUdpDatagram } = await import("../src/transports/_libc_inet.ts");
    const { loadLibc } = await import("../src/transports/_libc_ffi.ts");
    assert.throws(() => openUdpDatagram(loadLibc("tests"), { family: 6, remote: "127.0.0.1", port: 1 }), TypeError);
  });
});

test("runtimeTransport() on Deno sends UDP synchronously through the C library unless udpFfi is false", {
  skip: runtime === "deno" && ffi ? false : "Deno with --allow-ffi only",
}, async () => {
  const listener = await listenUdp();
  const opened: Transport[] = [];
  try {
    const target = { kind: "udp", host: "127.0.0.1", port: listener.port } as const;
    const logger = new CollectingLogger();
    const viaFfi = await runtimeTransport({})(target, { onError: () => {}, logger });
    opened.push(viaFfi);
    assert.equal(viaFfi.send(encoder.encode("c:ffi:1")), undefined);
    const own = await runtimeTransport({ udpFfi: false })(target, { onError: () => {}, logger });
    opened.push(own);
    const sent = own.send(encoder.encode("c:own:1"));
    assert.equal(typeof (sent as Promise<void> | undefined)?.then, "function", "Deno's own sockets send later");
    await sent;
    assert.deepEqual((await listener.waitForDatagrams(2)).toSorted(), ["c:ffi:1", "c:own:1"]);
    assert.deepEqual(logger.records, []);
  } finally {
    for (const transport of opened) await transport.close();
    await listener.close();
  }
});

test("A synchronous burst of 200k updates past maxPendingBytes loses no line and every line arrives", {
  skip: denoOwnSockets,
}, async () => {
  // Another process reads while this one writes: nothing here reads the socket during the burst.
  const listener = await listenUdpInChild();
  try {
    // Folding off: every update is its own line, so the burst really passes the bound.
    const { registry, logger } = udpRegistry(`udp://127.0.0.1:${listener.port}`, { fold: false });
    try {
      const counter = registry.monotonicCounter("udp.burst.sequence");
      counter.set(0);
      await registry.flush(); // connected
      await listener.waitForLines(1);
      const total = 200_000; // lines of 26-32 bytes: about 6 MB, past the default 4 MiB bound
      for (let i = 1; i <= total; i++) counter.set(i);
      const writer = registry.writer() as LineWriter;
      const during = writer.stats();
      assert.equal(during.droppedLines, 0, "no line was dropped on the client side");
      assert.ok(during.pendingBytes <= 61440, `only the open datagram waits: ${during.pendingBytes} bytes`);
      await registry.flush();
      const after = writer.stats();
      assert.deepEqual([after.sentLines, after.droppedLines, after.pendingBytes, after.errors], [total + 1, 0, 0, 0]);
      const lines = await listener.waitForLines(total + 1, 10_000);
      assert.equal(lines.length, total + 1);
      assert.equal(lines.at(-1), `C:udp.burst.sequence:${total}`);
      assert.ok(lines.every((line, i) => line === `C:udp.burst.sequence:${i}`), "every line once, in order");
      assert.ok(Math.max(...listener.sizes) <= 61440, `largest datagram ${Math.max(...listener.sizes)}`);
      assert.deepEqual(logger.records, []);
    } finally {
      await registry.close();
    }
  } finally {
    await listener.close();
  }
});

test("Updates to a dead port never throw, report ECONNREFUSED once, and delivery resumes when a listener binds it", {
  skip: denoOwnSockets,
}, async () => {
  const dead = await holdDeadUdpPort();
  const { port } = dead;
  const { registry, logger } = udpRegistry(`udp://127.0.0.1:${port}`);
  let listener: UdpListener | undefined;
  try {
    const counter = registry.counter("udp.dead");
    await until(() => {
      counter.increment(); // throws nothing, whatever the transport does
      return logger.messages("error").length > 0;
    }, "the ECONNREFUSED report");
    const errors = logger.messages("error");
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(
      errors[0],
      new RegExp(`^spectator\\.writer: cannot send to udp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    listener = await listenUdp({ port });
    const revived = registry.counter("udp.revived");
    await until(
      () => {
        revived.increment();
        return listener!.lines().includes("c:udp.revived:1");
      },
      "a line at the new listener",
      { timeoutMs: 5000, intervalMs: 20 },
    );
    assert.ok((registry.writer() as LineWriter).stats().errors >= 1);
  } finally {
    await registry.close();
    await listener?.close();
    await dead.release();
  }
});
