import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryWriter } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";

test("MemoryWriter keeps lines in order until clear() or close()", async () => {
  const writer = new MemoryWriter();
  assert.ok(writer.isEmpty());
  assert.equal(writer.lastLine(), undefined);
  writer.write("c:counter:1");
  writer.write("g:gauge:2");
  assert.deepEqual(writer.get(), ["c:counter:1", "g:gauge:2"]);
  assert.equal(writer.lastLine(), "g:gauge:2");
  assert.equal(writer.isEmpty(), false);
  writer.clear();
  assert.ok(writer.isEmpty());
  writer.write("c:counter:1");
  writer.write("g:gauge:2");
  await writer.flush();
  assert.equal(writer.get().length, 2, "flush() keeps the lines");
  await writer.close();
  assert.ok(writer.isEmpty());
});

test("MemoryWriter.get() returns a copy", () => {
  const writer = new MemoryWriter();
  writer.write("c:counter:1");
  writer.get().push("c:injected:1");
  assert.deepEqual(writer.get(), ["c:counter:1"]);
});

test("MemoryWriter logs each line at debug level only when asked to", () => {
  const logger = new CollectingLogger();
  new MemoryWriter({ logger, logLines: true }).write("c:counter:1");
  new MemoryWriter({ logger }).write("c:quiet:1");
  assert.deepEqual(logger.records, [{ level: "debug", message: "spectator.writer: write line=c:counter:1" }]);
});
