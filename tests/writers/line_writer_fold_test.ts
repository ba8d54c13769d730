// Folding in the LineWriter (the `fold` option), over a fake transport: one line per id and turn for the meters whose
// values combine, every sample for the others, for as long as lines cannot leave, and what SpectatorD computes from
// the folded lines is what it computes from the separate ones.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AgeGauge,
  Counter,
  DistributionSummary,
  Gauge,
  LineWriter,
  type LineWriterOptions,
  MaxGauge,
  MeterId,
  MonotonicCounter,
  MonotonicCounterUint,
  PercentileDistributionSummary,
  PercentileTimer,
  Timer,
} from "../../mod.ts";
import { AgentAggregator } from "../../src/cli/agent_aggregator.ts";
import { foldTable } from "../../src/writers/_value_path.ts";
import { deferred, harness } from "../helpers/fake_transport.ts";
import { forceGc } from "../helpers/gc.ts";
import { random, randomInt } from "../helpers/random.ts";
import { tick, until } from "../helpers/wait.ts";

/** Every meter type over `writer`, one id each. */
function meters(writer: LineWriter) {
  const id = (name: string) => new MeterId(name);
  return {
    counter: new Counter(id("fold.counter"), writer),
    gauge: new Gauge(id("fold.gauge"), writer),
    ttlGauge: new Gauge(id("fold.ttlGauge"), writer, 60),
    maxGauge: new MaxGauge(id("fold.max"), writer),
    monotonic: new MonotonicCounter(id("fold.monotonic"), writer),
    uint: new MonotonicCounterUint(id("fold.uint"), writer),
    age: new AgeGauge(id("fold.age"), writer),
    timer: new Timer(id("fold.timer"), writer),
    pctTimer: new PercentileTimer(id("fold.pctTimer"), writer),
    summary: new DistributionSummary(id("fold.summary"), writer),
    pctSummary: new PercentileDistributionSummary(id("fold.pctSummary"), writer),
  };
}

/** Updates every meter three times in one synchronous stretch. */
function updateEveryMeter(m: ReturnType<typeof meters>): void {
  for (const i of [1, 2, 3]) {
    m.counter.increment(i);
    m.gauge.set(10 * i);
    m.ttlGauge.set(i === 2 ? NaN : i);
    m.maxGauge.set([5, 9, 7][i - 1]);
    m.monotonic.set(100 + i);
    m.uint.set(i === 3 ? -1n : BigInt(i));
    if (i === 2) m.age.now();
    else m.age.set(1_700_000_000 + i);
    m.timer.record(i / 10);
    m.pctTimer.record(i);
    m.summary.record(i * 100);
    m.pctSummary.record(i * 1000);
  }
}

/** The lines of every datagram the harness's transports received. */
function lines(h: ReturnType<typeof harness>): string[] {
  return h.texts().flatMap((text) => text.split("\n"));
}

for (const mode of ["sync", "async"] as const) {
  test(`LineWriter folds each meter type's updates of one turn into one line, and sends every sample (${mode} transport)`, async () => {
    const h = harness(mode);
    updateEveryMeter(meters(h.writer));
    await tick();
    await h.writer.flush();
    assert.deepEqual(lines(h), [
      // Samples as written...
      "t:fold.timer:0.1",
      "T:fold.pctTimer:1",
      "d:fold.summary:100",
      "D:fold.pctSummary:1000",
      "t:fold.timer:0.2",
      "T:fold.pctTimer:2",
      "d:fold.summary:200",
      "D:fold.pctSummary:2000",
      "t:fold.timer:0.3",
      "T:fold.pctTimer:3",
      "d:fold.summary:300",
      "D:fold.pctSummary:3000",
      // ...then one line per folded id, in the order the ids were first updated.
      "c:fold.counter:6", // the sum
      "g:fold.gauge:30", // the last value
      "g,60:fold.ttlGauge:3",
      "m:fold.max:9", // the largest
      "C:fold.monotonic:103",
      "U:fold.uint:18446744073709551615",
      "A:fold.age:1700000003",
    ]);
    assert.equal(h.texts().length, 1, "one datagram for the turn");
    assert.deepEqual(h.writer.stats(), {
      sentLines: 19,
      sentDatagrams: 1,
      droppedLines: 0,
      foldedUpdates: 14,
      pendingBytes: 0,
      errors: 0,
    });
    await h.writer.close();
  });
}

test("LineWriter with fold: false sends every update as its own line", async () => {
  const h = harness("sync", { fold: false });
  const counter = new Counter(new MeterId("each.counter"), h.writer);
  const gauge = new Gauge(new MeterId("each.gauge"), h.writer);
  counter.increment();
  counter.increment(2);
  gauge.set(1);
  gauge.set(2);
  await h.writer.flush();
  assert.deepEqual(lines(h), ["c:each.counter:1", "c:each.counter:2", "g:each.gauge:1", "g:each.gauge:2"]);
  assert.equal(h.writer.stats().foldedUpdates, 0);
  await h.writer.close();
});

test("LineWriter sends a turn's folded line at the end of that turn, never later than the turn's other lines", async () => {
  const h = harness("sync");
  const counter = new Counter(new MeterId("turns.counter"), h.writer);
  const timer = new Timer(new MeterId("turns.timer"), h.writer);
  for (let turn = 1; turn <= 3; turn++) {
    for (let i = 0; i < turn; i++) counter.increment();
    timer.record(turn);
    await tick();
    assert.deepEqual(h.texts().at(-1), `t:turns.timer:${turn}\nc:turns.counter:${turn}`, `turn ${turn}`);
  }
  assert.equal(h.texts().length, 3);
  await h.writer.close();
});

test("LineWriter keeps folding while the socket opens, and sends one line per id once it is open", async () => {
  const open = deferred();
  const h = harness("sync", {}, { connect: () => open.promise });
  const counter = new Counter(new MeterId("opening.counter"), h.writer);
  const gauge = new Gauge(new MeterId("opening.gauge"), h.writer);
  const timer = new Timer(new MeterId("opening.timer"), h.writer);
  for (let turn = 0; turn < 5; turn++) {
    for (let i = 0; i < 1000; i++) counter.increment();
    gauge.set(turn);
    timer.record(turn);
    await tick();
  }
  assert.equal(h.transports.length, 0, "still opening");
  open.resolve();
  await tick();
  await tick();
  assert.deepEqual(lines(h), [
    "t:opening.timer:0",
    "t:opening.timer:1",
    "t:opening.timer:2",
    "t:opening.timer:3",
    "t:opening.timer:4",
    "c:opening.counter:5000",
    "g:opening.gauge:4",
  ]);
  assert.equal(h.texts().length, 1, "the waiting samples and the folded lines share a datagram");
  assert.deepEqual(h.writer.stats(), {
    sentLines: 7,
    sentDatagrams: 1,
    droppedLines: 0,
    foldedUpdates: 5003,
    pendingBytes: 0,
    errors: 0,
  });
  await h.writer.close();
});

test("LineWriter keeps folding while an asynchronous send is in flight", async () => {
  const sends = [deferred(), deferred(), deferred()];
  const h = harness("async", {}, {
    setup: (transport) => (transport.outcome = (attempt) => ({ pending: sends[attempt - 1] })),
  });
  const counter = new Counter(new MeterId("flight.counter"), h.writer);
  counter.increment();
  await tick(); // the first line is in flight
  for (let turn = 0; turn < 4; turn++) {
    counter.increment(10);
    await tick();
  }
  sends[0].resolve();
  await tick();
  sends[1].resolve();
  await h.writer.flush();
  assert.deepEqual(h.texts(), ["c:flight.counter:1", "c:flight.counter:40"]);
  await h.writer.close();
});

test("LineWriter drops samples past maxPendingBytes while counters fold without loss, and says so", async () => {
  const open = deferred();
  const h = harness("sync", { maxPendingBytes: 1000, maxDatagramBytes: 512 }, { connect: () => open.promise });
  const counter = new Counter(new MeterId("bound.counter"), h.writer);
  const timer = new Timer(new MeterId("bound.timer"), h.writer);
  for (let i = 0; i < 10_000; i++) {
    counter.increment();
    timer.record(0.001);
  }
  await tick();
  const { droppedLines } = h.writer.stats();
  assert.ok(droppedLines > 9000, `${droppedLines} timer samples dropped`);
  assert.match(
    h.logger.messages("warn")[0],
    /dropped a line for fake:\/\/test: more than maxPendingBytes=1000 are waiting/,
  );
  open.resolve();
  await h.writer.flush();
  const sent = lines(h);
  assert.ok(sent.includes("c:bound.counter:10000"), "the counter's total is whole");
  assert.equal(sent.filter((line) => line.startsWith("t:")).length, 10_000 - droppedLines);
  const stats = h.writer.stats();
  assert.equal(stats.sentLines + stats.droppedLines + stats.foldedUpdates, 20_000, JSON.stringify(stats));
  await h.writer.close();
});

test("LineWriter drops and counts updates folded after close()", async () => {
  const h = harness("sync");
  const counter = new Counter(new MeterId("closed.counter"), h.writer);
  counter.increment();
  await h.writer.close();
  counter.increment();
  counter.increment();
  await tick();
  assert.deepEqual(lines(h), ["c:closed.counter:1"]);
  assert.equal(h.writer.stats().droppedLines, 2);
});

test("LineWriter with bufferSize folds until the buffer's interval ends", async () => {
  // An interval far longer than the five turns take, even on a loaded machine.
  const h = harness("sync", { bufferSize: 4096, flushIntervalMs: 500 });
  const counter = new Counter(new MeterId("buffered.counter"), h.writer);
  for (let turn = 0; turn < 5; turn++) {
    counter.increment();
    await tick();
  }
  assert.deepEqual(h.texts(), [], "nothing before the interval ends");
  await until(() => h.texts().length > 0, "the interval's datagram");
  assert.deepEqual(h.texts(), ["c:buffered.counter:5"]);
  await h.writer.close();
});

test("LineWriter names where lines really go when the transport says they go elsewhere", async () => {
  const h = harness("sync", { description: "unix:///run/agent.sock", reconnectDelayMs: 60_000 }, {
    setup: (transport) => {
      transport.context.redirected?.("udp://127.0.0.1:1234");
      transport.outcome = () => ({ throw: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) });
    },
  });
  h.writer.write("c:where:1");
  await h.writer.flush();
  await h.writer.close();
  h.writer.write("c:where:2");
  const messages = [...h.logger.messages("error"), ...h.logger.messages("warn")];
  assert.deepEqual(messages, [
    "spectator.writer: cannot send to udp://127.0.0.1:1234 (instead of unix:///run/agent.sock): ECONNREFUSED refused",
    "spectator.writer: dropped a line for udp://127.0.0.1:1234 (instead of unix:///run/agent.sock): the writer is " +
    "closed (2 dropped in all)",
  ]);
});

test("LineWriter refuses a maxDatagramBytes above 65507 (UDP's limit; SpectatorD's Unix socket reads at most 64 KiB)", () => {
  const options: LineWriterOptions = { description: "fake://test", maxDatagramBytes: 65_508 };
  assert.throws(() => new LineWriter(() => ({ send() {}, close: () => Promise.resolve() }), options), {
    name: "RangeError",
    message: "Cannot create LineWriter: maxDatagramBytes must be from 1 to 65507: received 65508",
  });
});

/** An integer from `min` to `max`, both included. */
function between(next: () => number, min: number, max: number): number {
  return min + randomInt(next, max - min + 1);
}

/** A random update of one of a few meters of each folding type, with values SpectatorD sums exactly. */
function randomUpdate(next: () => number, m: ReturnType<typeof meters>): void {
  switch (between(next, 0, 6)) {
    case 0:
      return m.counter.increment(between(next, 1, 8) / 4);
    case 1:
      return m.gauge.set(between(next, -50, 50) / 2);
    case 2:
      return m.maxGauge.set(next() < 0.1 ? NaN : between(next, -50, 50));
    case 3:
      return m.monotonic.set(between(next, 0, 1000));
    case 4:
      return m.uint.set(BigInt(between(next, 0, 1000)));
    case 5:
      return m.age.set(between(next, 1, 1000));
    default:
      return m.timer.record(between(next, 0, 100) / 8);
  }
}

test("SpectatorD's view of the folded lines is its view of the separate lines (random updates over random turns)", async () => {
  for (let run = 0; run < 20; run++) {
    const next = random(0x5eed + run);
    const folded = harness("sync");
    const separate = harness("sync", { fold: false });
    const pairs = [meters(folded.writer), meters(separate.writer)];
    const turns = between(next, 1, 10);
    for (let turn = 0; turn < turns; turn++) {
      const updates = between(next, 0, 200);
      for (let u = 0; u < updates; u++) {
        const seed = Math.floor(next() * 2 ** 32);
        for (const m of pairs) randomUpdate(random(seed), m);
      }
      await tick();
    }
    await Promise.all([folded.writer.flush(), separate.writer.flush()]);
    const agents = [new AgentAggregator({ now: () => 0 }), new AgentAggregator({ now: () => 0 })];
    for (const text of folded.texts()) agents[0].addDatagram(text);
    for (const text of separate.texts()) agents[1].addDatagram(text);
    const [fromFolded, fromSeparate] = agents.map((agent) => agent.publish().meters);
    assert.deepEqual(fromFolded, fromSeparate, `run ${run}`);
    assert.ok(lines(folded).length <= lines(separate).length);
    await Promise.all([folded.writer.close(), separate.writer.close()]);
  }
});

test("LineWriter's fold table holds one slot per id of a live meter, and forgets those of meters dropped", async () => {
  const h = harness("sync");
  const table = foldTable(h.writer)!;
  const kept = new Counter(new MeterId("slots.kept"), h.writer);
  for (let i = 0; i < 1000; i++) {
    kept.increment();
    new Counter(new MeterId(`slots.dropped.${i % 100}`), h.writer).increment();
  }
  assert.equal(table.size, 101, "meters of one id share a slot");
  await h.writer.flush();
  assert.ok(lines(h).includes("c:slots.dropped.7:10"));
  for (let attempt = 0; attempt < 100 && table.size > 1; attempt++) {
    forceGc();
    await tick(5);
  }
  assert.equal(table.size, 1, "only the kept meter's slot is left");
  kept.increment(); // in use until here
  await h.writer.flush();
  assert.equal(lines(h).at(-1), "c:slots.kept:1");
  await h.writer.close();
});
