// The LineWriter's delivery, the same for every transport: datagrams leave in order with at most one
// asynchronous send in flight, a full socket gets the same datagram again, a receiver that takes nothing for
// stallMs loses what waits, and close() drains first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TransportError } from "../../mod.ts";
import { encodePrefix } from "../../src/writers/_value_path.ts";
import { codeError, deferred, harness, writeValue } from "../helpers/fake_transport.ts";
import { tick, until } from "../helpers/wait.ts";

test("LineWriter keeps one asynchronous send in flight, and flush() resolves when the last one completes", async () => {
  const sends = [deferred(), deferred()];
  const h = harness("async", { maxDatagramBytes: 12 }, {
    setup: (transport) => (transport.outcome = (attempt) => ({ pending: sends[attempt - 1] })),
  });
  h.writer.write("c:first:1");
  h.writer.write("c:second:1"); // does not fit with the first: two datagrams
  let flushed = false;
  const flushing = h.writer.flush().then(() => (flushed = true));
  await until(() => h.transports[0]?.attempts === 1, "the first send to start");
  await tick(10);
  assert.equal(h.transports[0].attempts, 1, "the second send waits for the first");
  sends[0].resolve();
  await until(() => h.transports[0].attempts === 2, "the second send to start");
  assert.equal(flushed, false, "one send is still in progress");
  assert.equal(h.writer.stats().pendingBytes, 10);
  sends[1].resolve();
  await flushing;
  assert.deepEqual(h.texts(), ["c:first:1", "c:second:1"]);
  assert.equal(h.writer.stats().pendingBytes, 0);
  await h.writer.close();
});

test("LineWriter never writes into bytes an asynchronous send still holds", async () => {
  const held = deferred();
  const h = harness("async", { maxDatagramBytes: 64 }, {
    setup: (transport) => (transport.outcome = (attempt) => (attempt === 1 ? { pending: held } : undefined)),
  });
  await h.writer.flush(); // nothing written: opens nothing
  h.writer.write("c:warm:1");
  await until(() => h.transports[0]?.attempts === 1, "the first send to start");
  // The first send is still in progress; many more lines are written meanwhile, into other memory.
  for (let i = 0; i < 200; i++) writeValue(h.writer, encodePrefix("c:busy:"), i);
  await tick();
  held.resolve();
  await h.writer.flush();
  // The fake copies a held datagram when its send settles: after the other lines were written.
  assert.equal(h.texts()[0], "c:warm:1", "the held datagram is intact");
  assert.deepEqual(h.texts().slice(1).join("\n").split("\n"), Array.from({ length: 200 }, (_, i) => `c:busy:${i}`));
  await h.writer.close();
});

for (const code of ["EAGAIN", "ENOBUFS"]) {
  test(`LineWriter sends the same datagram again after ${code}, in order, without counting an error`, async () => {
    const h = harness("sync", { maxDatagramBytes: 10 }, {
      setup: (transport) => (transport.outcome = (n) => (n <= 3 ? { throw: codeError(code) } : undefined)),
    });
    h.writer.write("c:a:1");
    h.writer.write("c:bb:1"); // two datagrams: the second waits behind the first
    await h.writer.flush();
    assert.deepEqual(h.texts(), ["c:a:1", "c:bb:1"]);
    assert.equal(h.transports[0].attempts, 5);
    assert.equal(h.connects, 1);
    assert.deepEqual(h.writer.stats(), {
      sentLines: 2,
      sentDatagrams: 2,
      droppedLines: 0,
      foldedUpdates: 0,
      pendingBytes: 0,
      errors: 0,
    });
    await h.writer.close();
  });
}

test("LineWriter keeps the transport after EMSGSIZE, losing only that datagram", async () => {
  const h = harness("sync", {}, {
    setup: (transport) => (transport.outcome = (n) => (n === 1 ? { throw: codeError("EMSGSIZE") } : undefined)),
  });
  for (const line of ["c:a:1", "c:b:1"]) {
    h.writer.write(line);
    await h.writer.flush();
  }
  assert.equal(h.connects, 1);
  assert.equal(h.transports[0].closes, 0);
  assert.deepEqual(h.texts(), ["c:b:1"]);
  assert.deepEqual(h.writer.stats(), {
    sentLines: 1,
    sentDatagrams: 1,
    droppedLines: 1,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 1,
  });
  await h.writer.close();
});

test("LineWriter loses what waits for a full socket once nothing was taken for stallMs, then sends again", async () => {
  let full = true;
  const h = harness("sync", { maxDatagramBytes: 12, stallMs: 100 }, {
    setup: (
      transport,
    ) => (transport.outcome = () => (full ? { throw: new TransportError("EAGAIN", "full") } : undefined)),
  });
  const started = Date.now();
  for (let i = 0; i < 3; i++) h.writer.write(`c:s:${i}`);
  h.writer.write("c:s:3"); // four datagrams
  await h.writer.flush();
  assert.ok(Date.now() - started >= 95, `gave up after ${Date.now() - started} ms`);
  assert.deepEqual(h.texts(), []);
  assert.equal(h.writer.stats().droppedLines, 4);
  const [error] = h.logger.messages("error");
  assert.equal(
    error,
    "spectator.writer: cannot send to fake://test: the receiver took no datagram for 100 ms (EAGAIN)",
  );
  full = false;
  h.writer.write("c:after:1");
  await h.writer.flush();
  assert.deepEqual(h.texts(), ["c:after:1"]);
  assert.equal(h.connects, 1, "a full socket is still a good socket");
  await h.writer.close();
});

test("LineWriter gives up on a send that does not complete within stallMs, and resumes once it does", async () => {
  const stuck = deferred();
  const h = harness("async", { maxDatagramBytes: 12, stallMs: 100 }, {
    setup: (transport) => (transport.outcome = (n) => (n === 1 ? { pending: stuck } : undefined)),
  });
  h.writer.write("c:stuck:1");
  h.writer.write("c:next:1");
  const started = Date.now();
  await h.writer.flush();
  assert.ok(Date.now() - started >= 95, `gave up after ${Date.now() - started} ms`);
  assert.deepEqual(h.writer.stats(), {
    sentLines: 0,
    sentDatagrams: 0,
    droppedLines: 2,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 2,
  });
  // While the send is still pending, later datagrams are lost at once rather than pile up behind it.
  h.writer.write("c:while:1");
  await h.writer.flush();
  assert.equal(h.transports[0].attempts, 1);
  assert.equal(h.writer.stats().droppedLines, 3);
  stuck.resolve();
  await tick();
  h.writer.write("c:after:1");
  await h.writer.flush();
  assert.deepEqual(h.texts(), ["c:stuck:1", "c:after:1"], "the stuck send completed late, then sending resumed");
  assert.equal(h.writer.stats().sentLines, 1, "a send given up on stays counted as dropped");
  await h.writer.close();
});

test("LineWriter.close() closes a transport only once a send it gave up on has settled", async () => {
  const stuck = deferred();
  const h = harness("async", { stallMs: 50 }, {
    setup: (transport) => (transport.outcome = () => ({ pending: stuck })),
  });
  h.writer.write("c:stuck:1");
  await h.writer.close();
  assert.equal(h.transports[0].closes, 0, "the pending send still holds the socket");
  stuck.resolve();
  await until(() => h.transports[0].closes === 1, "the transport to close after the send settled");
});

test("LineWriter.flush() loses what waits behind an asynchronous send that failed, instead of waiting to reconnect", async () => {
  const h = harness("async", { maxDatagramBytes: 10, reconnectDelayMs: 60_000 }, {
    setup: (transport) => (transport.outcome = () => ({ reject: codeError("ECONNREFUSED") })),
  });
  for (let i = 0; i < 5; i++) h.writer.write(`c:x:${i}`); // 5 datagrams
  await h.writer.flush();
  assert.equal(h.transports[0].attempts, 1, "one failed send drops the transport");
  assert.deepEqual(h.writer.stats(), {
    sentLines: 0,
    sentDatagrams: 0,
    droppedLines: 5,
    foldedUpdates: 0,
    pendingBytes: 0,
    errors: 1,
  });
  await h.writer.close();
});

test("LineWriter tries again after a failed connection, so a line written once still leaves without another write", async () => {
  const h = harness("sync", { reconnectDelayMs: 20 }, {
    connect: (attempt) => attempt === 1 ? Promise.reject(new Error("lookup failed")) : undefined,
  });
  h.writer.write("c:once:1");
  await until(() => h.texts().length > 0, "the line, sent on the second connection");
  assert.deepEqual(h.texts(), ["c:once:1"]);
  assert.equal(h.connects, 2);
  assert.deepEqual(h.logger.messages("error"), ["spectator.writer: cannot connect to fake://test: lookup failed"]);
  await h.writer.close();
});

for (const mode of ["sync", "async"] as const) {
  test(`LineWriter counts a send that throws what String() cannot convert, and neither it nor an update throws (${mode})`, async () => {
    const unprintable = Object.create(null);
    let sends = 0;
    const h = harness(mode, { bufferSize: 1 }, {
      setup: (transport) => (transport.outcome = () => (++sends === 1 ? { throw: unprintable } : undefined)),
    });
    const prefix = encodePrefix("c:big:");
    // bufferSize 1 sends at once; a sum past Number.MAX_VALUE writes its line from inside the update.
    writeValue(h.writer, prefix, Number.MAX_VALUE);
    writeValue(h.writer, prefix, Number.MAX_VALUE);
    await h.writer.flush();
    h.writer.write("c:after:1");
    await h.writer.flush();
    assert.equal(h.texts().at(-1), "c:after:1");
    const stats = h.writer.stats();
    assert.equal(stats.errors, 1);
    assert.equal(stats.sentLines + stats.droppedLines + stats.foldedUpdates, 3);
    assert.deepEqual(h.logger.messages("error"), ["spectator.writer: cannot send to fake://test: [object Object]"]);
    await h.writer.close();
  });
}
