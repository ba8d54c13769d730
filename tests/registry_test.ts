import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, FileWriter, MemoryWriter, MeterId, NoopWriter, Registry } from "../mod.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";
import { memoryRegistry } from "./helpers/memory.ts";
import { METER_KINDS, meterById, meterByName, update } from "./helpers/meter_kinds.ts";

test("Every factory returns its meter, which writes <symbol>:<name>[,tags]:<value>", () => {
  for (const kind of METER_KINDS) {
    const { factory, symbol } = kind;
    const { registry, writer } = memoryRegistry();
    const plain = meterByName(registry, kind, factory);
    const tagged = meterByName(registry, kind, factory, { "my-tags": "bar" });
    assert.ok(plain instanceof kind.meter, factory);
    assert.ok(writer.isEmpty(), `${factory}() writes nothing until updated`);
    update(plain, kind.update, 42);
    update(tagged, kind.update, 42);
    assert.deepEqual(writer.get(), [`${symbol}:${factory}:42`, `${symbol}:${factory},my-tags=bar:42`]);
  }
});

test("Every ...WithId factory writes the id of newId(), common tags included", () => {
  for (const kind of METER_KINDS) {
    const { registry, writer } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
    const meter = meterById(registry, kind, registry.newId(kind.factory, { "my-tags": "bar" }));
    assert.ok(meter instanceof kind.meter, `${kind.factory}WithId`);
    assert.ok(writer.isEmpty());
    update(meter, kind.update, 42);
    assert.equal(writer.lastLine(), `${kind.symbol}:${kind.factory},extra-tags=foo,my-tags=bar:42`);
  }
});

test("Every ...WithId factory uses a plain MeterId as given, without the common tags", () => {
  for (const kind of METER_KINDS) {
    const { registry, writer } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
    update(meterById(registry, kind, new MeterId(kind.factory, { "my-tags": "bar" })), kind.update, 42);
    assert.equal(writer.lastLine(), `${kind.symbol}:${kind.factory},my-tags=bar:42`);
  }
});

test("Every name-based factory applies the common tags", () => {
  for (const kind of METER_KINDS) {
    const { registry, writer } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
    update(meterByName(registry, kind, kind.factory), kind.update, 42);
    assert.equal(writer.lastLine(), `${kind.symbol}:${kind.factory},extra-tags=foo:42`);
  }
});

test("Registry counters made by name and by id write independently", () => {
  const { registry, writer } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
  const byIdCounter = registry.counterWithId(registry.newId("counter", { "my-tags": "bar" }));
  const byNameCounter = registry.counter("counter");
  byIdCounter.increment();
  byIdCounter.increment(2);
  byNameCounter.increment(3);
  registry.counter("counter").increment(4);
  assert.deepEqual(writer.get(), [
    "c:counter,extra-tags=foo,my-tags=bar:1",
    "c:counter,extra-tags=foo,my-tags=bar:2",
    "c:counter,extra-tags=foo:3",
    "c:counter,extra-tags=foo:4",
  ]);
});

test("Registry.gauge() and gaugeWithId() take a TTL in seconds", () => {
  const { registry, writer } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
  registry.gauge("gauge", undefined, 120).set(42);
  registry.gaugeWithId(registry.newId("gauge", { "my-tags": "bar" }), 120).set(42);
  assert.deepEqual(writer.get(), ["g,120:gauge,extra-tags=foo:42", "g,120:gauge,extra-tags=foo,my-tags=bar:42"]);
});

test("Registry.newId() applies the common tags, which override user tags of the same key", () => {
  assert.equal(memoryRegistry().registry.newId("id").toString(), "MeterId(name=id, tags={})");
  const { registry } = memoryRegistry({ extraCommonTags: { "extra-tags": "foo" } });
  assert.equal(registry.newId("id").toString(), 'MeterId(name=id, tags={ "extra-tags": "foo" })');
  assert.deepEqual(registry.newId("id", { "extra-tags": "mine", a: "1" }).tags(), { "extra-tags": "foo", a: "1" });
});

test("Registry sends warnings about invalid tags to the configured logger", () => {
  const { registry, writer, logger } = memoryRegistry();
  registry.counter("registry.invalid.tag", { k: "" }).increment();
  assert.equal(writer.lastLine(), "c:registry.invalid.tag:1");
  assert.equal(logger.messages("warn").length, 1);
  assert.match(logger.messages("warn")[0], /^spectator\.meter\.meter_id: MeterId\(name=registry\.invalid\.tag, /);
});

test("Registry.writer() is a MemoryWriter for memory, a NoopWriter for none and a FileWriter for stdout", () => {
  const writerFor = (location: string) =>
    withEnv({}, () => new Registry(new Config({ location, logger: new CollectingLogger() }))).writer();
  assert.ok(writerFor("memory") instanceof MemoryWriter);
  assert.ok(writerFor("none") instanceof NoopWriter);
  assert.ok(writerFor("stdout") instanceof FileWriter);
  assert.ok(writerFor("stderr") instanceof FileWriter);
});

test("Registry.config() returns the configuration it was built with", () => {
  const config = withEnv({}, () => new Config({ location: "none" }));
  assert.equal(new Registry(config).config(), config);
});

test("Registry rejects a configuration that is not a Config", () => {
  assert.throws(() => new Registry({ location: "memory" } as unknown as Config), {
    name: "TypeError",
    message: /^Cannot create Registry: config must be a Config: received /,
  });
});

test("Registry.close() clears the memory writer, and a second close() does nothing", async () => {
  const { registry, writer } = memoryRegistry();
  registry.counter("counter").increment();
  assert.equal(writer.lastLine(), "c:counter:1");
  await registry.flush();
  assert.equal(writer.lastLine(), "c:counter:1");
  await registry.close();
  assert.ok(writer.isEmpty());
  await registry.close();
});

test("await using closes the registry at scope exit", async () => {
  let writer: MemoryWriter;
  {
    await using registry = memoryRegistry().registry;
    writer = registry.writer() as MemoryWriter;
    registry.counter("counter").increment();
    assert.equal(writer.get().length, 1);
  }
  assert.ok(writer.isEmpty());
});

test("Registry at log level debug logs every line written", () => {
  const { registry, logger } = memoryRegistry({ logLevel: "debug" });
  registry.counter("counter").increment();
  assert.deepEqual(logger.messages("debug"), ["spectator.writer: write line=c:counter:1"]);
});

test("Registry at the default log level logs no written lines", () => {
  const { registry, logger } = memoryRegistry();
  registry.counter("counter").increment();
  assert.deepEqual(logger.messages("debug"), []);
  assert.deepEqual(logger.messages("info"), []);
});

test("Registry at log level info reports its creation and closing", async () => {
  const { registry, logger } = memoryRegistry({ logLevel: "info", extraCommonTags: { app: "x" } });
  await registry.close();
  assert.deepEqual(logger.messages("info"), [
    'spectator.registry: Create Registry with location=memory extraCommonTags={ app: "x" }',
    "spectator.registry: Close Registry Writer",
  ]);
});
