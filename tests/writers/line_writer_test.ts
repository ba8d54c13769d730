import assert from "node:assert/strict";
import { test } from "node:test";
import { LineWriter, type TransportContext } from "../../mod.ts";
import { valueText } from "../../src/writers/_ascii_value.ts";
import { type EncodedPrefix, encodePrefix } from "../../src/writers/_value_path.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { codeError, deferred, type Harness, harness, type Outcome, writeValue } from "../helpers/fake_transport.ts";
import { random } from "../helpers/random.ts";
import { tick, until } from "../helpers/wait.ts";

const decoder = new TextDecoder();

const ALPHABET = Array.from("abcdefghijklmnopqrstuvwxyz0123456789:,=._-é€😀");

/** A random line of 1 to `maxChars` code points, some outside ASCII, never a newline. */
function randomLine(next: () => number, maxChars: number): string {
  const length = 1 + Math.floor(next() * maxChars);
  let line = "";
  for (let i = 0; i < length; i++) line += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return line;
}

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

for (const mode of ["sync", "async"] as const) {
  test(`LineWriter coalesces one synchronous stretch into one datagram at the end of the turn (${mode} transport)`, async () => {
    const h = harness(mode);
    h.writer.write("c:a:1");
    h.writer.write("c:b:1");
    h.writer.write("c:c:1");
    assert.deepEqual(h.texts(), [], "nothing is sent during the stretch");
    await tick();
    assert.deepEqual(h.texts(), ["c:a:1\nc:b:1\nc:c:1"]);
    h.writer.write("g:d:2");
    await tick();
    assert.deepEqual(h.texts(), ["c:a:1\nc:b:1\nc:c:1", "g:d:2"]);
    assert.equal(h.connects, 1, "the transport is reused");
    assert.deepEqual(h.writer.stats(), {
      sentLines: 4,
      sentDatagrams: 2,
      droppedLines: 0,
      foldedUpdates: 0,
      pendingBytes: 0,
      errors: 0,
    });
    await h.writer.close();
  });

  test(`LineWriter sends a full datagram at once (${mode} transport)`, async () => {
    const h = harness(mode, { maxDatagramBytes: 20 });
    h.writer.write("first");
    await h.writer.flush();
    assert.equal(h.transports[0].attempts, 1);
    h.writer.write("1234567");
    h.writer.write("abcdefgh"); // 7 + 1 + 8 = 16 bytes
    h.writer.write("ABCDEFGH"); // would make 25: the open datagram goes out now
    assert.equal(h.transports[0].attempts, 2, "the full datagram is handed over within the stretch");
    await tick();
    assert.deepEqual(h.texts(), ["first", "1234567\nabcdefgh", "ABCDEFGH"]);
    await h.writer.close();
  });

  test(`LineWriter never splits a line nor exceeds maxDatagramBytes (${mode} transport)`, async () => {
    const maxDatagramBytes = 700;
    const h = harness(mode, { maxDatagramBytes, maxPendingBytes: 1 << 24 });
    const next = random(mode === "sync" ? 1 : 2);
    const lines: string[] = [];
    // One long synchronous stretch: packing must be greedy.
    for (let i = 0; i < 3000; i++) {
      const line = randomLine(next, 120);
      lines.push(line);
      h.writer.write(line);
    }
    await h.writer.flush();
    const stretch = h.texts();
    for (const [i, datagram] of h.transports[0].datagrams.entries()) {
      assert.ok(datagram.length <= maxDatagramBytes, `datagram ${i} has ${datagram.length} bytes`);
      const following = stretch[i + 1]?.split("\n")[0];
      if (following !== undefined) {
        assert.ok(datagram.length + 1 + byteLength(following) > maxDatagramBytes, `datagram ${i} was sent too early`);
      }
    }
    // Then many short stretches, and lines of every length up to the limit.
    for (let i = 0; i < 3000; i++) {
      const line = randomLine(next, i % 50 === 0 ? 400 : 60);
      lines.push(line);
      h.writer.write(line);
      if (next() < 0.05) await tick();
    }
    await h.writer.flush();
    const received = h.texts();
    assert.ok(received.length > 20, `only ${received.length} datagrams`);
    for (const datagram of h.transports[0].datagrams) assert.ok(datagram.length <= maxDatagramBytes);
    assert.deepEqual(received.join("\n").split("\n"), lines);
    assert.equal(h.writer.stats().sentLines, lines.length);
    assert.equal(h.writer.stats().droppedLines, 0);
    await h.writer.close();
  });

  test(`LineWriter drops and counts a line longer than maxDatagramBytes (${mode} transport)`, async () => {
    const h = harness(mode, { maxDatagramBytes: 16 });
    h.writer.write("c:a:1");
    h.writer.write("c:" + "x".repeat(20) + ":1");
    h.writer.write("c:b:1");
    h.writer.write("1234567890123456"); // exactly the limit: kept
    await h.writer.flush();
    assert.deepEqual(h.texts(), ["c:a:1\nc:b:1", "1234567890123456"]);
    assert.equal(h.writer.stats().droppedLines, 1);
    const warnings = h.logger.messages("warn");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /longer than maxDatagramBytes=16/);
    await h.writer.close();
  });

  test(`LineWriter with bufferSize waits for that many bytes or flushIntervalMs (${mode} transport)`, async () => {
    // A one-minute interval: whatever is sent here was sent for its size.
    const h = harness(mode, { bufferSize: 30, flushIntervalMs: 60_000 });
    h.writer.write("c:size:1"); // 8 bytes
    h.writer.write("c:size:2"); // 17
    await tick();
    assert.deepEqual(h.texts(), [], "below bufferSize, nothing is sent at the end of the turn");
    h.writer.write("c:size:3"); // 26
    h.writer.write("c:size:4"); // 35 >= 30: sent without waiting for the interval
    await tick();
    assert.deepEqual(h.texts(), ["c:size:1\nc:size:2\nc:size:3\nc:size:4"]);

    const later = harness(mode, { bufferSize: 1000, flushIntervalMs: 40 });
    const written = Date.now();
    later.writer.write("c:time:1");
    await tick();
    assert.deepEqual(later.texts(), []);
    await until(() => later.texts().length === 1, "the interval flush");
    const waited = Date.now() - written;
    assert.ok(waited >= 35 && waited < 1000, `the line waited ${waited} ms`);
    assert.deepEqual(later.texts(), ["c:time:1"]);
    await Promise.all([h.writer.close(), later.writer.close()]);
  });

  test(`LineWriter drops lines past maxPendingBytes while the transport is not ready (${mode} transport)`, async () => {
    const ready = deferred();
    const h = harness(mode, { maxPendingBytes: 100 }, { connect: () => ready.promise });
    const lines = Array.from({ length: 20 }, (_, i) => `c:m:${String(i).padStart(5, "0")}`); // 9 bytes each
    for (const line of lines.slice(0, 5)) h.writer.write(line);
    await tick(); // a turn has ended: the open datagram keeps filling while the connection opens
    for (const line of lines.slice(5)) h.writer.write(line);
    // 9 bytes for the first line of a datagram, 10 for every other: 10 lines fit in 100 bytes.
    assert.deepEqual(h.writer.stats(), {
      sentLines: 0,
      sentDatagrams: 0,
      droppedLines: 10,
      foldedUpdates: 0,
      pendingBytes: 99,
      errors: 0,
    });
    const warnings = h.logger.messages("warn");
    assert.equal(warnings.length, 1, "the warning is rate-limited");
    assert.match(warnings[0], /more than maxPendingBytes=100 are waiting/);
    assert.match(warnings[0], /fake:\/\/test/);
    ready.resolve();
    await h.writer.flush();
    assert.deepEqual(h.texts().join("\n").split("\n"), lines.slice(0, 10));
    assert.deepEqual(h.writer.stats(), {
      sentLines: 10,
      sentDatagrams: 1,
      droppedLines: 10,
      foldedUpdates: 0,
      pendingBytes: 0,
      errors: 0,
    });
    h.writer.write("c:m:after");
    await h.writer.flush();
    assert.equal(h.texts().at(-1), "c:m:after", "once drained, lines are accepted again");
    await h.writer.close();
  });

  test(`LineWriter.close() flushes, closes the transport once and drops later writes (${mode} transport)`, async () => {
    const gate = deferred();
    const h = harness(mode, {}, { setup: (transport) => (transport.closeGate = gate.promise) });
    h.writer.write("c:a:1");
    const first = h.writer.close();
    const second = h.writer.close();
    let done = 0;
    void first.then(() => done++);
    void second.then(() => done++);
    await until(() => h.transports[0]?.closes === 1, "the transport to close");
    await tick();
    assert.equal(done, 0, "close() waits for the transport to close");
    gate.resolve();
    await Promise.all([first, second]);
    await h.writer.close();
    assert.deepEqual(h.texts(), ["c:a:1"]);
    assert.equal(h.transports[0].closes, 1);
    h.writer.write("c:late:1");
    await h.writer.flush();
    await tick();
    assert.deepEqual(h.texts(), ["c:a:1"]);
    assert.equal(h.connects, 1, "no transport is opened after close");
    assert.equal(h.writer.stats().droppedLines, 1);
    assert.match(h.logger.messages("warn")[0], /the writer is closed/);
  });
}

test("LineWriter.close() without writes opens no transport", async () => {
  const h = harness("sync");
  await h.writer.close();
  await h.writer[Symbol.asyncDispose]();
  assert.equal(h.connects, 0);
});

test("LineWriter fills the same buffer again after a synchronous send", async () => {
  const memories = new Set<ArrayBufferLike>();
  const texts: string[] = [];
  const writer = new LineWriter(() => ({
    send: (datagram) => {
      memories.add(datagram.buffer);
      texts.push(decoder.decode(datagram));
    },
    close: () => Promise.resolve(),
  }), { description: "fake://reuse" });
  writer.write("c:warm:1");
  await writer.flush(); // the first datagram waits for the connection and is copied
  for (const name of ["one", "two", "three"]) {
    writer.write(`c:${name}:1`);
    await writer.flush();
  }
  assert.deepEqual(texts, ["c:warm:1", "c:one:1", "c:two:1", "c:three:1"]);
  assert.equal(memories.size, 2, "one copy while connecting, then one reused buffer");
  await writer.close();
});

test("LineWriter.flush() does not wait for lines written after it", async () => {
  const h = harness("sync", { bufferSize: 1000, flushIntervalMs: 60_000 });
  h.writer.write("c:before:1");
  const flushed = h.writer.flush();
  h.writer.write("c:after:1");
  await flushed;
  assert.deepEqual(h.texts(), ["c:before:1"]);
  await h.writer.close();
  assert.deepEqual(h.texts(), ["c:before:1", "c:after:1"]);
});

test("LineWriter copies each datagram out of its buffer, so a small one holds only its bytes", async () => {
  const h = harness("sync");
  h.writer.write("c:small:1");
  await h.writer.flush();
  const [datagram] = h.transports[0].datagrams;
  assert.equal(datagram.byteLength, 9);
  assert.ok(datagram.buffer.byteLength < 1024, `a ${datagram.buffer.byteLength}-byte buffer stays alive`);
  await h.writer.close();
});

for (
  const [kind, outcome] of [
    ["a synchronous throw", (error: unknown): Outcome => ({ throw: error })],
    ["a rejected promise", (error: unknown): Outcome => ({ reject: error })],
  ] as const
) {
  test(`LineWriter survives ${kind} and re-creates the transport after reconnectDelayMs`, async () => {
    const h = harness("async", { reconnectDelayMs: 50 }, {
      setup: (transport) => {
        // The first transport fails its first send; later ones work.
        if (h.transports.length === 0) {
          transport.outcome = (n) => (n === 1 ? outcome(codeError("ECONNREFUSED")) : undefined);
        }
      },
    });
    h.writer.write("c:lost:1");
    await h.writer.flush();
    const failedAt = Date.now();
    assert.equal(h.transports[0].closes, 1, "the failed transport is closed");
    assert.equal(h.writer.stats().droppedLines, 1);
    assert.equal(h.writer.stats().errors, 1);
    const errors = h.logger.messages("error");
    assert.equal(errors.length, 1);
    assert.match(errors[0], /cannot send to fake:\/\/test: ECONNREFUSED/);
    h.writer.write("c:kept:1");
    await tick();
    assert.equal(h.connects, 1, "no new transport before the delay");
    await until(() => h.texts().includes("c:kept:1"), "delivery on a new transport");
    assert.ok(Date.now() - failedAt >= 40, "the reconnect waited for the delay");
    assert.equal(h.connects, 2);
    assert.deepEqual(h.transports[1].texts(), ["c:kept:1"]);
    assert.equal(h.writer.stats().sentLines, 1);
    await h.writer.close();
  });
}

test("LineWriter drops the transport on context.onError and recovers", async () => {
  const h = harness("sync", { reconnectDelayMs: 20 });
  h.writer.write("c:a:1");
  await h.writer.flush();
  // An ICMP "port unreachable", reported outside send().
  h.transports[0].context.onError(codeError("ECONNREFUSED"));
  assert.equal(h.transports[0].closes, 1);
  assert.match(h.logger.messages("error")[0], /ECONNREFUSED/);
  h.writer.write("c:b:1");
  await until(() => h.transports[1]?.texts().length === 1, "a new transport");
  assert.deepEqual(h.transports[1].texts(), ["c:b:1"]);
  // A late report from the old transport changes nothing.
  h.transports[0].context.onError(codeError("ECONNREFUSED"));
  assert.equal(h.transports[1].closes, 0);
  await h.writer.close();
  assert.equal(h.transports[1].closes, 1);
});

test("LineWriter counts a datagram as dropped when the transport reports its failure after send() returned", async () => {
  const sent: Uint8Array[] = [];
  let context: TransportContext | undefined;
  const logger = new CollectingLogger();
  const writer = new LineWriter((given) => {
    context = given;
    return { send: (datagram) => void sent.push(datagram), close: () => Promise.resolve() };
  }, { description: "fake://late", logger });
  writer.write("c:a:1");
  writer.write("c:b:1");
  await writer.flush();
  writer.write("c:c:1");
  await writer.flush();
  assert.deepEqual(writer.stats(), {
    sentLines: 3,
    sentDatagrams: 2,
    droppedLines: 0,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 0,
  });
  // Like Node's dgram: the second send failed, and says so in a callback after send() returned.
  context!.onError(codeError("ECONNREFUSED"), sent[1]);
  assert.deepEqual(writer.stats(), {
    sentLines: 2,
    sentDatagrams: 1,
    droppedLines: 1,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 1,
  });
  // The same datagram reported twice, or one the writer never sent, changes nothing more.
  context!.onError(codeError("ECONNREFUSED"), sent[1]);
  context!.onError(codeError("ECONNREFUSED"), new Uint8Array(8));
  assert.equal(writer.stats().droppedLines, 1);
  await writer.close();
});

test("LineWriter logs errors at most once per errorIntervalMs, however many fail", async () => {
  const h = harness("sync", { reconnectDelayMs: 0 }, {
    setup: (transport) => (transport.outcome = () => ({ throw: codeError("ECONNREFUSED") })),
  });
  let thrown = 0;
  for (let i = 0; i < 200; i++) {
    try {
      h.writer.write(`c:fail:${i}`);
    } catch {
      thrown++;
    }
    await h.writer.flush();
  }
  assert.equal(thrown, 0, "write() never throws");
  assert.equal(h.writer.stats().errors, 200);
  assert.equal(h.writer.stats().droppedLines, 200);
  assert.equal(h.logger.messages("error").length, 1);
  assert.equal(h.connects, 200, "each failure re-created the transport");
  await h.writer.close();
});

test("LineWriter keeps datagrams queued behind a failed send for the next transport", async () => {
  const ready = deferred();
  const h = harness("sync", { maxDatagramBytes: 12, reconnectDelayMs: 10 }, {
    connect: (attempt) => (attempt === 1 ? ready.promise : undefined),
    setup: (transport) => {
      if (h.transports.length === 0) transport.outcome = () => ({ throw: codeError("EPERM") });
    },
  });
  for (let i = 0; i < 5; i++) h.writer.write(`c:line:${i}`); // 8 bytes: one line per datagram
  await tick();
  ready.resolve();
  // No flush() here: a flush would drop what is left after a failure rather than wait for the agent.
  await until(() => h.transports[1]?.datagrams.length === 4, "the next transport to take the queue");
  assert.equal(h.transports[0].attempts, 1, "nothing more goes to a failed transport");
  assert.deepEqual(h.transports[1].texts(), ["c:line:1", "c:line:2", "c:line:3", "c:line:4"]);
  assert.equal(h.writer.stats().droppedLines, 1);
  await h.writer.close();
});

test("LineWriter drops queued lines when connecting fails, and flush() still resolves", async () => {
  const h = harness("sync", { reconnectDelayMs: 20 }, {
    connect: (attempt) => (attempt === 1 ? Promise.reject(new Error("no route")) : undefined),
  });
  h.writer.write("c:a:1");
  h.writer.write("c:b:1");
  await h.writer.flush();
  assert.deepEqual(h.writer.stats(), {
    sentLines: 0,
    sentDatagrams: 0,
    droppedLines: 2,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 1,
  });
  assert.match(h.logger.messages("error")[0], /cannot connect to fake:\/\/test: no route/);
  h.writer.write("c:c:1");
  await until(() => h.texts().length === 1, "the second connection attempt");
  assert.deepEqual(h.texts(), ["c:c:1"]);
  await h.writer.close();
});

test("LineWriter.close() resolves when connecting fails", async () => {
  const h = harness("sync", {}, {
    connect: () => {
      throw new Error("refused");
    },
  });
  h.writer.write("c:a:1");
  await h.writer.close();
  assert.equal(h.writer.stats().droppedLines, 1);
  assert.equal(h.logger.messages("error").length, 1);
});

test("LineWriter never throws when a transport misbehaves", async () => {
  const logger = new CollectingLogger();
  const received: number[] = [];
  const writer = new LineWriter(() => ({
    // Returns a number, not void or a promise.
    send: (datagram: Uint8Array) => received.push(datagram.length) as unknown as void,
    close: () => {
      throw new Error("close failed");
    },
  }), { description: "odd://transport", logger });
  writer.write("c:a:1");
  await writer.flush();
  assert.deepEqual(received, [5]);
  await writer.close();
  assert.match(logger.messages("error")[0], /cannot close odd:\/\/transport: close failed/);
});

test("LineWriter logs every line at debug level with logLines", async () => {
  const h = harness("sync", { logLines: true });
  h.writer.write("c:a:1");
  h.writer.write("g:b:2");
  await h.writer.close();
  h.writer.write("c:late:1");
  assert.deepEqual(h.logger.messages("debug"), [
    "spectator.writer: write line=c:a:1",
    "spectator.writer: write line=g:b:2",
    "spectator.writer: write line=c:late:1",
  ]);
  const quiet = harness("sync");
  quiet.writer.write("c:a:1");
  await quiet.writer.close();
  assert.deepEqual(quiet.logger.messages("debug"), []);
});

/** Prefixes as meters build them: ASCII, some long enough that a line no longer fits in 100 bytes. */
function randomPrefixes(next: () => number): EncodedPrefix[] {
  const symbols = ["c", "g", "g,60", "m", "t", "T", "d", "D", "A", "C", "U"];
  return Array.from({ length: 40 }, (_, i) => {
    // Every fourth prefix is 74 to 98 bytes long: lines around the limit, some past it.
    const name = "n".repeat(i % 4 === 0 ? 70 + Math.floor(next() * 25) : 1 + Math.floor(next() * 30));
    const tags = i % 4 !== 0 && next() < 0.5 ? `,k${i}=v${Math.floor(next() * 100)}` : "";
    return encodePrefix(`${symbols[i % symbols.length]}:${name}${tags}:`);
  });
}

/** A value of any kind a meter writes: numbers of every spelling, and ASCII digit strings. */
function randomValue(next: () => number): number | string {
  const kinds: (() => number | string)[] = [
    () => Math.floor(next() * 10),
    () => Math.floor(next() * 2 ** 32),
    () => Math.floor(next() * 2 ** 53),
    () => -Math.floor(next() * 1000),
    () => next() * 10 ** Math.floor(next() * 30 - 10),
    () => -(1 + next()) * 1e-6, // the longest spelling: 25 characters
    () => [0, -0, 5e-324, 1e21, Number.MAX_VALUE, -Number.MAX_VALUE, NaN, Infinity, -Infinity][Math.floor(next() * 9)],
    () => "0",
    () => BigInt.asUintN(64, BigInt(Math.floor(next() * 2 ** 53)) * 4099n).toString(),
  ];
  return kinds[Math.floor(next() * kinds.length)]();
}

/**
 * Writes one long random sequence to two writers: `mixed` gets writeValue()
 * and write() calls at random, `plain` gets write() of the same lines.
 * Both see the same event-loop turns. Returns the lines that fit.
 */
async function writeMixed(mixed: Harness, plain: Harness, seed: number, maxDatagramBytes: number): Promise<string[]> {
  const next = random(seed);
  const prefixes = randomPrefixes(next);
  const fitting: string[] = [];
  for (let i = 0; i < 6000; i++) {
    const prefix = prefixes[Math.floor(next() * prefixes.length)];
    const value = randomValue(next);
    const line = prefix.text + valueText(value);
    if (next() < 0.7) writeValue(mixed.writer, prefix, value);
    else mixed.writer.write(line);
    plain.writer.write(line);
    if (line.length <= maxDatagramBytes) fitting.push(line);
    if (next() < 0.01) await tick();
  }
  await Promise.all([mixed.writer.flush(), plain.writer.flush()]);
  return fitting;
}

for (const mode of ["sync", "async"] as const) {
  test(`The LineWriter's value path writes the lines write(prefix.text + value) would, never splitting nor exceeding maxDatagramBytes (${mode} transport)`, async () => {
    const maxDatagramBytes = 100;
    const options = { maxDatagramBytes, maxPendingBytes: 1 << 24 };
    const mixed = harness(mode, options);
    const plain = harness(mode, options);
    const fitting = await writeMixed(mixed, plain, mode === "sync" ? 11 : 12, maxDatagramBytes);
    assert.ok(fitting.length < 6000 && fitting.length > 5000, `${fitting.length} lines fit`);
    for (const datagram of mixed.transports[0].datagrams) {
      assert.ok(datagram.length <= maxDatagramBytes, `a datagram of ${datagram.length} bytes`);
    }
    assert.deepEqual(mixed.texts().join("\n").split("\n"), fitting);
    assert.deepEqual(plain.texts().join("\n").split("\n"), fitting);
    const stats = mixed.writer.stats();
    assert.deepEqual({ ...stats, sentDatagrams: 0 }, { ...plain.writer.stats(), sentDatagrams: 0 });
    assert.equal(stats.droppedLines, 6000 - fitting.length);
    assert.deepEqual(mixed.logger.messages("warn"), plain.logger.messages("warn"));
    await Promise.all([mixed.writer.close(), plain.writer.close()]);
  });

  test(
    `The LineWriter's value path packs datagrams exactly as write() does (${mode} transport)`,
    async () => {
      const maxDatagramBytes = 100;
      const options = { maxDatagramBytes, maxPendingBytes: 1 << 24 };
      const mixed = harness(mode, options);
      const plain = harness(mode, options);
      await writeMixed(mixed, plain, mode === "sync" ? 13 : 14, maxDatagramBytes);
      assert.deepEqual(mixed.texts(), plain.texts());
      assert.deepEqual(mixed.writer.stats(), plain.writer.stats());
      await Promise.all([mixed.writer.close(), plain.writer.close()]);
    },
  );
}

test("The LineWriter's value path drops and counts lines past maxPendingBytes as write() does", async () => {
  const ready = deferred();
  const byValue = harness("sync", { maxPendingBytes: 100 }, { connect: () => ready.promise });
  const byLine = harness("sync", { maxPendingBytes: 100 }, { connect: () => ready.promise });
  const prefix = encodePrefix("c:m:");
  // Numbers and digit strings of 5 characters: 9-byte lines, as in the write() test above.
  const values = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 10_000 + i : String(10_000 + i)));
  const write = (values: (number | string)[]) => {
    for (const value of values) {
      writeValue(byValue.writer, prefix, value);
      byLine.writer.write(prefix.text + valueText(value));
    }
  };
  write(values.slice(0, 5));
  await tick(); // a turn has ended: the open datagram keeps filling while the connection opens
  write(values.slice(5));
  assert.deepEqual(byValue.writer.stats(), {
    sentLines: 0,
    sentDatagrams: 0,
    droppedLines: 10,
    foldedUpdates: 0,
    pendingBytes: 99,
    errors: 0,
  });
  assert.deepEqual(byValue.writer.stats(), byLine.writer.stats());
  assert.deepEqual(byValue.logger.messages("warn"), byLine.logger.messages("warn"));
  assert.match(byValue.logger.messages("warn")[0], /more than maxPendingBytes=100 are waiting/);
  ready.resolve();
  await Promise.all([byValue.writer.flush(), byLine.writer.flush()]);
  assert.deepEqual(byValue.texts().join("\n").split("\n"), values.slice(0, 10).map((v) => `c:m:${valueText(v)}`));
  assert.deepEqual(byValue.writer.stats(), byLine.writer.stats());
  writeValue(byValue.writer, prefix, 0.5);
  await byValue.writer.flush();
  assert.equal(byValue.texts().at(-1), "c:m:0.5", "once drained, values are accepted again");
  await Promise.all([byValue.writer.close(), byLine.writer.close()]);
});

test("LineWriter writes -0 with its sign, as spectator-py writes -0.0, whether lines are logged or not", async () => {
  for (const logLines of [false, true]) {
    const h = harness("sync", { logLines });
    writeValue(h.writer, encodePrefix("g:gauge:"), -0);
    await h.writer.flush();
    assert.deepEqual(h.texts(), ["g:gauge:-0"], `logLines ${logLines}`);
    await h.writer.close();
  }
});

/**
 * Writes a first line of `fill` bytes to two writers whose transport is not
 * ready, then `prefix + value` by writeValue() to one and by write() to the
 * other, and checks that both accept or drop it alike. With `newDatagram`,
 * a turn passes in between, so the first line waits sealed and the second
 * starts a datagram (no separator).
 */
async function fillThenWrite(fill: number, value: number | string, newDatagram: boolean): Promise<void> {
  const prefix = encodePrefix("c:m:");
  const ready = deferred();
  const byValue = harness("sync", { maxPendingBytes: 100 }, { connect: () => ready.promise });
  const byLine = harness("sync", { maxPendingBytes: 100 }, { connect: () => ready.promise });
  const first = `c:${"x".repeat(fill - 4)}:1`;
  byValue.writer.write(first);
  byLine.writer.write(first);
  if (newDatagram) await tick();
  writeValue(byValue.writer, prefix, value);
  byLine.writer.write(prefix.text + valueText(value));
  const what = `fill ${fill}, value ${value}, ${newDatagram ? "a new datagram" : "the same datagram"}`;
  assert.deepEqual(byValue.writer.stats(), byLine.writer.stats(), what);
  ready.resolve();
  await Promise.all([byValue.writer.close(), byLine.writer.close()]);
  assert.deepEqual(byValue.texts(), byLine.texts(), what);
}

test("The LineWriter's value path accepts a line that exactly fills maxPendingBytes, as write() does", async () => {
  for (let fill = 85; fill <= 99; fill++) {
    for (const value of [5, 42, 1234, "7", "12345", 0.5]) await fillThenWrite(fill, value, false);
  }
});

test(
  "The LineWriter's value path accepts a line that starts a datagram and exactly fills maxPendingBytes, as write() does",
  async () => {
    for (let fill = 85; fill <= 99; fill++) {
      for (const value of [5, 42, 1234, "7", "12345", 0.5]) await fillThenWrite(fill, value, true);
    }
  },
);

test("The LineWriter's value path after close() drops the line and counts it", async () => {
  const h = harness("sync");
  writeValue(h.writer, encodePrefix("c:a:"), 1);
  await h.writer.close();
  writeValue(h.writer, encodePrefix("c:late:"), 1);
  writeValue(h.writer, encodePrefix("U:late:"), "18446744073709551615");
  await h.writer.flush();
  await tick();
  assert.deepEqual(h.texts(), ["c:a:1"]);
  assert.equal(h.connects, 1, "no transport is opened after close");
  assert.deepEqual(h.writer.stats(), {
    sentLines: 1,
    sentDatagrams: 1,
    droppedLines: 2,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 0,
  });
  assert.match(h.logger.messages("warn")[0], /the writer is closed/);
});

test("The LineWriter's value path logs the same debug line as write() with logLines", async () => {
  const byValue = harness("sync", { logLines: true });
  const byLine = harness("sync", { logLines: true });
  const lines: [prefix: string, value: number | string][] = [["c:a:", 1], ["g,60:b:", 0.5], [
    "U:c:",
    "18446744073709551615",
  ], ["g:d:", -0]];
  for (const [text, value] of lines) {
    writeValue(byValue.writer, encodePrefix(text), value);
    byLine.writer.write(text + valueText(value));
  }
  await Promise.all([byValue.writer.close(), byLine.writer.close()]);
  writeValue(byValue.writer, encodePrefix("c:late:"), 1);
  byLine.writer.write("c:late:1");
  assert.deepEqual(byValue.logger.messages("debug"), [
    "spectator.writer: write line=c:a:1",
    "spectator.writer: write line=g,60:b:0.5",
    "spectator.writer: write line=U:c:18446744073709551615",
    "spectator.writer: write line=g:d:-0",
    "spectator.writer: write line=c:late:1",
  ]);
  assert.deepEqual(byValue.logger.messages("debug"), byLine.logger.messages("debug"));
  assert.deepEqual(byValue.texts(), byLine.texts());
});

test("LineWriter refuses an option out of range at construction, naming it, the range and the value", () => {
  const connect = () => ({ send() {}, close: () => Promise.resolve() });
  const cases: [options: Record<string, unknown>, name: string, message: string][] = [
    [{ bufferSize: -1 }, "RangeError", "bufferSize must be from 0 to 1073741824: received -1"],
    [{ maxPendingBytes: -5 }, "RangeError", "maxPendingBytes must be from 0 to 2147483648: received -5"],
    [{ flushIntervalMs: Number.NaN }, "TypeError", "flushIntervalMs must be an integer: received NaN"],
    [{ reconnectDelayMs: 1.5 }, "TypeError", "reconnectDelayMs must be an integer: received 1.5"],
    [{ stallMs: 0 }, "RangeError", "stallMs must be from 1 to 2147483647: received 0"],
    [{ errorIntervalMs: "10" }, "TypeError", 'errorIntervalMs must be an integer: received "10"'],
    [{ fold: "no" }, "TypeError", 'fold must be a boolean: received "no"'],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => new LineWriter(connect, { description: "fake://test", ...options }), {
      name,
      message: `Cannot create LineWriter: ${message}`,
    });
  }
});

test("LineWriter.write() of something that is not a string drops and counts it, and never throws", async () => {
  const h = harness("sync");
  for (const line of [undefined, null, 42, { line: "c:x:1" }]) (h.writer.write as (line: unknown) => void)(line);
  h.writer.write("c:ok:1");
  await h.writer.flush();
  assert.deepEqual(h.texts(), ["c:ok:1"]);
  assert.equal(h.writer.stats().droppedLines, 4);
  assert.match(
    h.logger.messages("warn")[0],
    /^spectator\.writer: dropped a line for fake:\/\/test: a line must be a string: received undefined/,
  );
  await h.writer.close();
});
