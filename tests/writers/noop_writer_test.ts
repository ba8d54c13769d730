import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, NoopWriter, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";

test("NoopWriter drops lines and resolves flush() and close() at once", async () => {
  const writer = new NoopWriter();
  writer.write("c:counter:1");
  await writer.flush();
  await writer.close();
  await writer.close();
  writer.write("c:counter:2");
});

test("Location none at log level debug still logs each line written", async () => {
  const logger = new CollectingLogger();
  const registry = withEnv({}, () => new Registry(new Config({ location: "none", logger, logLevel: "debug" })));
  assert.ok(registry.writer() instanceof NoopWriter);
  registry.counter("counter").increment();
  await registry.close();
  assert.deepEqual(logger.messages("debug"), ["spectator.writer: write line=c:counter:1"]);
});

test("Location none sends meter warnings to the configured logger", () => {
  const logger = new CollectingLogger();
  const registry = withEnv({}, () => new Registry(new Config({ location: "none", logger })));
  registry.counter("noop.wrong.type").increment("1" as unknown as number);
  assert.deepEqual(logger.messages("warn"), [
    "spectator.meter: dropped a value of type string for c:noop.wrong.type: expected a number",
  ]);
});
