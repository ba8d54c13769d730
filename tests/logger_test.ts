import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Config,
  Counter,
  type Logger,
  type LogLevel,
  MemoryWriter,
  MeterId,
  Registry,
  type TransportFactory,
  type Writer,
} from "../mod.ts";
import { defaultLogger, levelFiltered, LOG_LEVELS } from "../src/logger.ts";
import { CollectingLogger, type LogRecord, type MessageLevel } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";

const MESSAGE_LEVELS: MessageLevel[] = ["debug", "info", "warn", "error"];

/** Runs `fn` with the console's four methods collecting instead of printing. */
function captureConsole(fn: () => void): LogRecord[] {
  const records: LogRecord[] = [];
  const saved = MESSAGE_LEVELS.map((level) => [level, console[level]] as const);
  for (const level of MESSAGE_LEVELS) console[level] = (message: string) => records.push({ level, message });
  try {
    fn();
  } finally {
    for (const [level, method] of saved) console[level] = method;
  }
  return records;
}

function logEveryLevel(logger: { [level in MessageLevel]: (message: string) => void }): void {
  for (const level of MESSAGE_LEVELS) logger[level](`a ${level} message`);
}

test("levelFiltered() passes messages at the chosen level and above", () => {
  const passed: Record<LogLevel, MessageLevel[]> = {
    debug: ["debug", "info", "warn", "error"],
    info: ["info", "warn", "error"],
    warn: ["warn", "error"],
    error: ["error"],
    off: [],
  };
  for (const level of LOG_LEVELS) {
    const logger = new CollectingLogger();
    logEveryLevel(levelFiltered(logger, level));
    assert.deepEqual(logger.records.map((r) => r.level), passed[level], level);
    assert.deepEqual(logger.records.map((r) => r.message), passed[level].map((l) => `a ${l} message`));
  }
});

test("defaultLogger() prints warnings and errors to the console, nothing else", () => {
  const records = captureConsole(() => logEveryLevel(defaultLogger()));
  assert.deepEqual(records, [
    { level: "warn", message: "a warn message" },
    { level: "error", message: "a error message" },
  ]);
});

test("Config without a logger at log level debug logs written lines to the console", () => {
  const records = captureConsole(() => {
    const registry = withEnv({}, () => new Registry(new Config({ location: "memory", logLevel: "debug" })));
    registry.counter("console.debug").increment();
  });
  assert.deepEqual(records.filter((r) => r.level === "debug").map((r) => r.message), [
    "spectator.writer: write line=c:console.debug:1",
  ]);
});

test("Config passes only warnings and errors to a custom logger unless logLevel says otherwise", () => {
  for (const [logLevel, levels] of [[undefined, ["warn", "error"]], ["error", ["error"]], ["off", []]] as const) {
    const logger = new CollectingLogger();
    logEveryLevel(withEnv({}, () => new Config({ location: "none", logger, logLevel })).logger);
    assert.deepEqual(logger.records.map((r) => r.level), levels, String(logLevel));
  }
});

test("logLevel off silences the library's warnings", () => {
  const logger = new CollectingLogger();
  const registry = withEnv({}, () => new Registry(new Config({ location: "memory", logger, logLevel: "off" })));
  registry.counter("silenced", { empty: "" }).increment("x" as unknown as number);
  registry.gauge("silenced.ttl", {}, -1).set(1);
  assert.deepEqual(logger.records, []);
});

/** A logger whose every method throws, as a host's broken logger can; it counts the calls. */
function throwingLogger(): Logger & { calls: number } {
  const logger = { calls: 0 } as Logger & { calls: number };
  for (const level of MESSAGE_LEVELS) {
    logger[level] = () => {
      logger.calls++;
      throw new Error(`the ${level} method is broken`);
    };
  }
  return logger;
}

test("A logger that throws never makes an update, a factory, a writer or the registry throw", async () => {
  const logger = throwingLogger();
  const unreachable: TransportFactory = () => Promise.reject(new Error("no route"));
  const config = withEnv({}, () => new Config({ location: "udp", logger, logLevel: "debug", transport: unreachable }));
  const registry = new Registry(config); // info
  const untyped = <T>(value: unknown) => value as T;
  registry.counter("tags.invalid", untyped({ bad: {} })).increment(); // invalid tag, then the line at debug level
  registry.counter("x").increment(); // Atlas: the name is too short
  registry.counter(untyped(undefined)).increment(); // not a name
  registry.counter("value.type").increment(untyped("1")); // a value of the wrong type
  registry.monotonicCounterUint("value.uint").set(1.5);
  registry.gauge("gauge.ttl", {}, 1.5).set(1); // a TTL left out
  registry.counterWithId(untyped(undefined)).increment(); // not a MeterId
  new MeterId("id.direct", untyped({ bad: {} }), { logger }); // a MeterId's own logger
  new MemoryWriter({ logger, logLines: true }).write("c:writer.direct:1"); // a writer's own logger
  const brokenWriter: Writer = {
    get logger(): Logger {
      throw new Error("no logger here");
    },
    write: () => {
      throw new Error("disk full");
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as Writer;
  new Counter(new MeterId("writer.broken"), brokenWriter).increment(); // the writer throws, and so does its logger
  await registry.flush(); // the transport fails: an error
  await registry.close(); // info
  assert.ok(logger.calls >= 12, `the logger was called ${logger.calls} times`);
});
