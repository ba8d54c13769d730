import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, type ConfigOptions, type MemoryWriter, Registry } from "../mod.ts";
import { LOCATION_FORMS } from "../src/location.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";
import { received } from "./helpers/received.ts";

const ENV_TAGS = { TITUS_CONTAINER_NAME: "main", NETFLIX_PROCESS_NAME: "python" };

/** A Config built in a clean environment plus `env`, with a collecting logger unless one is given. */
function configWith(options: ConfigOptions = {}, env: Record<string, string | undefined> = {}): Config {
  return withEnv(env, () => new Config({ logger: new CollectingLogger(), ...options }));
}

test("Config defaults to location udp, no buffering and warnings only", () => {
  const config = withEnv({}, () => new Config());
  assert.equal(config.location, "udp");
  assert.deepEqual(config.target, { kind: "udp", host: "127.0.0.1", port: 1234 });
  assert.deepEqual(config.extraCommonTags, {});
  assert.equal(config.bufferSize, 0);
  assert.equal(config.flushIntervalMs, 1000);
  assert.equal(config.maxDatagramBytes, 61440);
  assert.equal(config.maxPendingBytes, 4 * 1024 * 1024);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.transport, undefined);
});

test("Config keeps the options it is given", () => {
  const transport = () => ({ send: () => {}, close: () => Promise.resolve() });
  const config = configWith({
    location: "udp://[::1]:1235",
    bufferSize: 8192,
    flushIntervalMs: 500,
    maxDatagramBytes: 1400,
    maxPendingBytes: 65536,
    logLevel: "error",
    unixFfi: false,
    transport,
  });
  assert.deepEqual(config.target, { kind: "udp", host: "::1", port: 1235 });
  assert.deepEqual(
    [config.bufferSize, config.flushIntervalMs, config.maxDatagramBytes, config.maxPendingBytes],
    [8192, 500, 1400, 65536],
  );
  assert.equal(config.logLevel, "error");
  assert.equal(config.unixFfi, false);
  assert.equal(config.transport, transport);
});

test("Config.ffi defaults to true; false turns off both C-library routes, unixFfi only the Unix one", () => {
  assert.deepEqual([configWith({}).ffi, configWith({}).unixFfi], [true, true]);
  assert.deepEqual([configWith({ ffi: false }).ffi, configWith({ ffi: false }).unixFfi], [false, false]);
  assert.deepEqual([configWith({ unixFfi: false }).ffi, configWith({ unixFfi: false }).unixFfi], [true, false]);
  assert.throws(() => configWith({ ffi: "yes" as unknown as boolean }), {
    name: "TypeError",
    message: 'Cannot create Config: ffi must be a boolean: received "yes"',
  });
});

test("SPECTATOR_OUTPUT_LOCATION overrides the configured location", () => {
  const config = configWith({ location: "udp" }, { SPECTATOR_OUTPUT_LOCATION: "memory" });
  assert.equal(config.location, "memory");
  assert.deepEqual(config.target, { kind: "memory" });
  const registry = new Registry(config);
  registry.counter("overridden").increment();
  assert.equal((registry.writer() as MemoryWriter).lastLine(), "c:overridden:1");
});

test("An invalid configured location throws even when SPECTATOR_OUTPUT_LOCATION overrides it", () => {
  assert.throws(() => configWith({ location: "foo" }, { SPECTATOR_OUTPUT_LOCATION: "memory" }), {
    name: "TypeError",
    message: `Cannot create Config: location must be one of ${LOCATION_FORMS}: received "foo"`,
  });
});

test("An invalid SPECTATOR_OUTPUT_LOCATION throws, naming the variable and its value", () => {
  assert.throws(() => configWith({ location: "memory" }, { SPECTATOR_OUTPUT_LOCATION: "foo" }), {
    name: "TypeError",
    message: `Cannot create Config: SPECTATOR_OUTPUT_LOCATION must be one of ${LOCATION_FORMS}: received "foo"`,
  });
  assert.throws(() => configWith({}, { SPECTATOR_OUTPUT_LOCATION: "udp://localhost:70000" }), {
    name: "RangeError",
    message: /SPECTATOR_OUTPUT_LOCATION must have a port from 0 to 65535: received "udp:\/\/localhost:70000"$/,
  });
});

test("Config accepts the valid output locations and keeps them as given", () => {
  const valid = ["none", "memory", "stderr", "stdout", "udp", "unix", "file:///tmp/spectator.txt"];
  for (const location of [...valid, "udp://localhost:1234", "unix:///tmp/socket.sock"]) {
    assert.equal(configWith({ location }).location, location);
  }
});

test("Config rejects invalid locations, file:// and udp:// without a path or address included", () => {
  for (const location of ["foo", "file://", "udp://", "file://testfile.txt", 42]) {
    assert.throws(() => configWith({ location: location as string }), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.ok(error.message.includes(LOCATION_FORMS), error.message);
      assert.ok(error.message.endsWith(`received ${received(location)}`), error.message);
      return true;
    });
  }
});

test("Config.extraCommonTags merges the configured tags with nf.container and nf.process", () => {
  const config = configWith({ extraCommonTags: { "extra-tag": "foo" } }, ENV_TAGS);
  assert.deepEqual(config.extraCommonTags, { "extra-tag": "foo", "nf.container": "main", "nf.process": "python" });
  assert.deepEqual(configWith({}, ENV_TAGS).extraCommonTags, { "nf.container": "main", "nf.process": "python" });
});

test("Config trims the environment's tags and ignores empty or unset ones", () => {
  const cases: [Record<string, string | undefined>, Record<string, string>][] = [
    [{ ...ENV_TAGS, TITUS_CONTAINER_NAME: "    main \t\t" }, { "nf.container": "main", "nf.process": "python" }],
    [{ ...ENV_TAGS, TITUS_CONTAINER_NAME: "" }, { "nf.process": "python" }],
    [{ ...ENV_TAGS, TITUS_CONTAINER_NAME: " \t\n" }, { "nf.process": "python" }],
    [{ ...ENV_TAGS, TITUS_CONTAINER_NAME: undefined }, { "nf.process": "python" }],
    [{ ...ENV_TAGS, NETFLIX_PROCESS_NAME: "" }, { "nf.container": "main" }],
    [{}, {}],
  ];
  for (const [env, tags] of cases) assert.deepEqual(configWith({}, env).extraCommonTags, tags, JSON.stringify(env));
});

/** The characters Python's str.strip() removes (str.isspace(), listed with Python 3.11). */
const PYTHON_WHITESPACE = "\t\n\v\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
  "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

test("Config trims the environment's tags with exactly the characters of Python's str.strip()", () => {
  const cases: [value: string, tag: string | undefined][] = [
    [`${PYTHON_WHITESPACE}main${PYTHON_WHITESPACE}`, "main"],
    ["\u001cmain\u0085", "main"],
    ["\u001c\u001d\u001e\u001f\u0085", undefined],
    ["\ufeffmain\ufeff", "\ufeffmain\ufeff"], // JavaScript's trim() removes U+FEFF; Python keeps it
    ["\u180emain\u200b", "\u180emain\u200b"], // neither removes these
    [" ma in ", "ma in"],
  ];
  for (const [value, tag] of cases) {
    const tags = configWith({}, { TITUS_CONTAINER_NAME: value }).extraCommonTags;
    assert.deepEqual(tags, tag === undefined ? {} : { "nf.container": tag }, JSON.stringify(value));
  }
});

test("The environment's tags win over configured tags of the same key", () => {
  const config = configWith({ extraCommonTags: { "nf.container": "configured", "nf.app": "app" } }, ENV_TAGS);
  assert.deepEqual(config.extraCommonTags, { "nf.container": "main", "nf.app": "app", "nf.process": "python" });
});

test("Registries apply the environment's tags to meters made by name", () => {
  const registry = new Registry(configWith({ location: "memory" }, ENV_TAGS));
  registry.counter("requests").increment();
  assert.equal((registry.writer() as MemoryWriter).lastLine(), "c:requests,nf.container=main,nf.process=python:1");
});

test("Config.extraCommonTags is a frozen copy without invalid tags, which are reported", () => {
  const logger = new CollectingLogger();
  const given: Record<string, string> = { app: "x", empty: "" };
  const config = configWith({ extraCommonTags: given, logger });
  given.app = "changed";
  assert.deepEqual(config.extraCommonTags, { app: "x" });
  assert.ok(Object.isFrozen(config.extraCommonTags));
  assert.equal(logger.messages("warn").length, 1);
});

test("Config rejects invalid sizes and intervals, naming the option and the value", () => {
  const cases: [options: Record<string, unknown>, error: string, message: string][] = [
    [{ bufferSize: -1 }, "RangeError", "bufferSize must be from 0 to 1073741824: received -1"],
    [{ bufferSize: 1.5 }, "TypeError", "bufferSize must be an integer: received 1.5"],
    [{ bufferSize: "8192" }, "TypeError", 'bufferSize must be an integer: received "8192"'],
    [{ flushIntervalMs: 0 }, "RangeError", "flushIntervalMs must be from 1 to 2147483647: received 0"],
    [{ flushIntervalMs: NaN }, "TypeError", "flushIntervalMs must be an integer: received NaN"],
    [{ maxDatagramBytes: 100 }, "RangeError", "maxDatagramBytes must be from 512 to 65507: received 100"],
    [{ maxDatagramBytes: 70000 }, "RangeError", "maxDatagramBytes must be from 512 to 65507: received 70000"],
    [{ maxPendingBytes: 1000 }, "RangeError", "maxPendingBytes must be from 61440 to 2147483648: received 1000"],
    [{ maxPendingBytes: Infinity }, "TypeError", "maxPendingBytes must be an integer: received Infinity"],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => configWith(options), { name, message: `Cannot create Config: ${message}` });
  }
});

test("Config rejects an unknown logLevel, a logger without the four methods and a transport that is not a function", () => {
  const cases: [options: Record<string, unknown>, message: string][] = [
    [{ logLevel: "verbose" }, 'logLevel must be one of "debug", "info", "warn", "error", "off": received "verbose"'],
    [{ logger: {} }, "logger must have the methods debug, info, warn and error: missing debug, info, warn, error"],
    [
      { logger: { debug() {}, info() {}, warn: "no", error() {} } },
      "logger must have the methods debug, info, warn and error: missing warn",
    ],
    [{ logger: null }, "logger must have the methods debug, info, warn and error: missing debug, info, warn, error"],
    [{ transport: "udp" }, "transport must be a function: received string"],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => configWith(options), { name: "TypeError", message: `Cannot create Config: ${message}` });
  }
});

test("Config rejects options that are not an object", () => {
  assert.throws(() => new Config(null as unknown as ConfigOptions), {
    name: "TypeError",
    message: "Cannot create Config: options must be an object: received null",
  });
});

test("Config accepts console as its logger", () => {
  assert.equal(configWith({ location: "none", logger: console }).logLevel, "warn");
});
