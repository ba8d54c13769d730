// What the library's messages (warnings, errors it logs or throws) echo of the values they are about: a huge value
// is shortened to its first 200 characters and its length, and tags are printed as a JavaScript object literal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, MeterId, parseProtocolLine, Registry } from "../mod.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";
import { memoryRegistry } from "./helpers/memory.ts";

const HUGE = "a".repeat(100_000);
/** Generous: a message names a value in at most 200 characters plus its length. */
const MAX_MESSAGE = 1000;

/** The message of what `fn` throws. */
function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("nothing was thrown");
}

test("Warnings about huge names, tags, tag values and option values echo at most 200 characters of each", () => {
  const { registry, logger } = memoryRegistry();
  registry.counter("huge.value", { q: HUGE }).increment(); // Atlas: a tag value over 120 characters
  registry.counter(HUGE).increment(); // Atlas: a name over 255 characters
  registry.counter("huge.key", { [HUGE]: "v" }).increment(); // Atlas: a key over 60 characters
  registry.counter("huge.invalid", { bad: { toString: () => HUGE } } as unknown as Record<string, string>);
  registry.gauge("huge.ttl", {}, HUGE as unknown as number).set(1);
  registry.counter("huge.wrong.type", { q: HUGE }).increment(HUGE as unknown as number); // and Atlas
  const warnings = logger.messages("warn");
  assert.equal(warnings.length, 7, warnings.map((w) => w.slice(0, 300)).join("\n"));
  for (const warning of warnings) {
    assert.ok(warning.length < MAX_MESSAGE, `${warning.length} characters: ${warning.slice(0, 300)}`);
    assert.match(warning, /a{150}\.\.\."? \(1000\d\d characters\)/);
  }
});

test("Errors about huge option values and protocol lines echo at most 200 characters of them", () => {
  const messages = [
    thrownMessage(() => withEnv({}, () => new Config({ location: HUGE }))),
    thrownMessage(() => withEnv({}, () => new Config({ location: `udp://${HUGE}` }))),
    thrownMessage(() => new Config({ logLevel: HUGE as "warn" })),
    thrownMessage(() => new Config({ bufferSize: HUGE as unknown as number })),
    thrownMessage(() => new Registry(HUGE as unknown as Config)),
    thrownMessage(() => parseProtocolLine(HUGE)),
    thrownMessage(() => parseProtocolLine(`c:name,${HUGE}:1`)),
  ];
  for (const message of messages) {
    assert.ok(message.length < MAX_MESSAGE, `${message.length} characters: ${message.slice(0, 300)}`);
    assert.match(message, /a{190}\.\.\."? \(100\d{3} characters\)/);
  }
});

test("Warnings print tags as a JavaScript object literal", () => {
  const logger = new CollectingLogger();
  new MeterId("tags.style", { ok: "y", "nf.app": "x", k: "", n: undefined } as unknown as Record<string, string>, {
    logger,
  });
  const { registry, logger: registryLogger } = memoryRegistry();
  registry.counter("q", { "nf.color": "a'b" }).increment();
  assert.deepEqual([...logger.messages("warn"), ...registryLogger.messages("warn")], [
    'spectator.meter.meter_id: MeterId(name=tags.style, tags={ ok: "y", "nf.app": "x", k: "", n: undefined }) ' +
    "is invalid due to tag keys or values which are not strings or are zero-length strings; proceeding with " +
    'truncated tags MeterId(name=tags.style, tags={ ok: "y", "nf.app": "x" })',
    `spectator.registry: Atlas will drop MeterId(name=q, tags={ "nf.color": "a'b" }): name must be 2 to 255 ` +
    "characters: received 1; tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
  ]);
});

test("MeterId.toString() prints the tags as a JavaScript object literal", () => {
  assert.equal(new MeterId("foo").toString(), "MeterId(name=foo, tags={})");
  assert.equal(
    new MeterId("bar", { a: "1", "b.c": 'say "hi"' }).toString(),
    'MeterId(name=bar, tags={ a: "1", "b.c": "say \\"hi\\"" })',
  );
});

test("Registry logs its common tags as a JavaScript object literal", () => {
  const logger = new CollectingLogger();
  withEnv(
    {},
    () =>
      new Registry(new Config({ location: "memory", logger, logLevel: "info", extraCommonTags: { "nf.app": "x" } })),
  );
  assert.deepEqual(logger.messages("info"), [
    'spectator.registry: Create Registry with location=memory extraCommonTags={ "nf.app": "x" }',
  ]);
});
