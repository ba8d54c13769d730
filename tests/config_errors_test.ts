// Every configuration error, table-driven: each invalid value gives exactly
// one error when the Config (or, for a file:// path that cannot be opened,
// the Registry) is made, whose message names the value and what is allowed,
// and nothing is logged. tests/location_test.ts covers parseLocation() alone
// and tests/config_test.ts the first cases of each option.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Config, type ConfigOptions, Registry } from "../mod.ts";
import { LOCATION_FORMS } from "../src/location.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";
import { withEnv } from "./helpers/env.ts";
import { received } from "./helpers/received.ts";

const UNKNOWN = "";
const UDP_HINT = ' ("udp://" needs <host>:<port>)';
const pathHint = (kind: string) => ` ("${kind}://" needs an absolute path, e.g. "${kind}:///tmp/metrics")`;

/** Invalid location strings and the hint their message adds after the valid forms. */
const INVALID_LOCATIONS: [location: string, hint: string][] = [
  // Unknown schemes and near misses of the simple forms.
  ["tcp://localhost:1234", UNKNOWN],
  ["http://localhost", UNKNOWN],
  ["UDP", UNKNOWN],
  ["Udp://localhost:1234", UNKNOWN],
  ["file:/tmp/metrics.txt", UNKNOWN],
  ["udp:1234", UNKNOWN],
  ["stdout ", UNKNOWN],
  ["", UNKNOWN],
  [" ", UNKNOWN],
  // udp:// without <host>:<port>, or with a port that is not a decimal number.
  ["udp://", UDP_HINT],
  ["udp://localhost", UDP_HINT],
  ["udp://localhost:", UDP_HINT],
  ["udp://:1234", UDP_HINT],
  ["udp://localhost:1:2", UDP_HINT],
  ["udp://localhost:-1", UDP_HINT],
  ["udp://localhost:+1", UDP_HINT],
  ["udp://localhost:12a4", UDP_HINT],
  ["udp://localhost:1e3", UDP_HINT],
  ["udp://localhost:0x10", UDP_HINT],
  ["udp://localhost:1234/", UDP_HINT],
  ["udp://localhost:1234 ", UDP_HINT],
  ["udp://user@localhost:1234", UDP_HINT],
  // IPv6 without brackets, or with broken ones.
  ["udp://::1:1234", UDP_HINT],
  ["udp://fe80::1:1234", UDP_HINT],
  ["udp://[::1]", UDP_HINT],
  ["udp://[::1:1234", UDP_HINT],
  ["udp://[]:1234", UDP_HINT],
  ["udp://[zz]:1234", UDP_HINT],
  // Empty, relative or NUL-carrying paths.
  ["file://", pathHint("file")],
  ["file://metrics.txt", pathHint("file")],
  ["file://./metrics.txt", pathHint("file")],
  ["file://~/metrics.txt", pathHint("file")],
  ["file:///tmp/a\0b.txt", pathHint("file")],
  ["unix://", pathHint("unix")],
  ["unix://spectatord.unix", pathHint("unix")],
  ["unix:///tmp/a\0b.unix", pathHint("unix")],
];

const PORTS_OUT_OF_RANGE = [
  "udp://localhost:65536",
  "udp://localhost:70000",
  "udp://[::1]:99999",
  "udp://localhost:99999999999999999999",
];

/** Non-string locations: the message shows String(value). */
const NON_STRINGS: unknown[] = [42, true, {}, [], 1234n];

/** Makes a Config (and a Registry from it) for `options` in a clean environment plus `env`. */
function construct(options: ConfigOptions, env: Record<string, string> = {}): CollectingLogger {
  const logger = new CollectingLogger();
  withEnv(env, () => new Registry(new Config({ ...options, logger })));
  return logger;
}

/** Asserts that `fn` throws exactly once an error of `name` with `message`. */
function assertThrowsOnce(fn: () => unknown, name: string, message: string): void {
  let errors = 0;
  try {
    fn();
  } catch (error) {
    errors++;
    assert.equal((error as Error).name, name, (error as Error).message);
    assert.equal((error as Error).message, message);
  }
  assert.equal(errors, 1, `expected ${name}: ${message}`);
}

test("Every invalid location, configured or from SPECTATOR_OUTPUT_LOCATION, throws one error naming it and the valid forms", () => {
  const sources: [source: string, make: (location: string) => unknown][] = [
    ["location", (location) => construct({ location })],
    [
      "SPECTATOR_OUTPUT_LOCATION",
      (location) => construct({ location: "memory" }, { SPECTATOR_OUTPUT_LOCATION: location }),
    ],
  ];
  for (const [source, make] of sources) {
    for (const [location, hint] of INVALID_LOCATIONS) {
      // An environment variable cannot hold NUL: setting one throws before the library sees it.
      if (source === "SPECTATOR_OUTPUT_LOCATION" && location.includes("\0")) continue;
      const message = `Cannot create Config: ${source} must be one of ${LOCATION_FORMS}${hint}: received ${
        JSON.stringify(location)
      }`;
      assertThrowsOnce(() => make(location), "TypeError", message);
    }
    for (const location of PORTS_OUT_OF_RANGE) {
      const message = `Cannot create Config: ${source} must have a port from 0 to 65535: received ${
        JSON.stringify(location)
      }`;
      assertThrowsOnce(() => make(location), "RangeError", message);
    }
  }
  for (const location of NON_STRINGS) {
    const message = `Cannot create Config: location must be a string, one of ${LOCATION_FORMS}: received ${
      received(location)
    }`;
    assertThrowsOnce(() => construct({ location: location as string }), "TypeError", message);
  }
});

test("Every invalid numeric or boolean option throws one error naming the option, the value and the allowed range", () => {
  const cases: [options: Record<string, unknown>, name: string, message: string][] = [
    [{ bufferSize: 2 ** 30 + 1 }, "RangeError", "bufferSize must be from 0 to 1073741824: received 1073741825"],
    [{ bufferSize: -0.5 }, "TypeError", "bufferSize must be an integer: received -0.5"],
    [{ bufferSize: 8192n }, "TypeError", "bufferSize must be an integer: received 8192n"],
    [{ flushIntervalMs: -1 }, "RangeError", "flushIntervalMs must be from 1 to 2147483647: received -1"],
    [{ flushIntervalMs: 2 ** 31 }, "RangeError", "flushIntervalMs must be from 1 to 2147483647: received 2147483648"],
    [{ flushIntervalMs: "1000" }, "TypeError", 'flushIntervalMs must be an integer: received "1000"'],
    [{ maxDatagramBytes: 511 }, "RangeError", "maxDatagramBytes must be from 512 to 65507: received 511"],
    [{ maxDatagramBytes: 65508 }, "RangeError", "maxDatagramBytes must be from 512 to 65507: received 65508"],
    [{ maxDatagramBytes: 1400.5 }, "TypeError", "maxDatagramBytes must be an integer: received 1400.5"],
    [
      { maxDatagramBytes: 8192, maxPendingBytes: 8191 },
      "RangeError",
      "maxPendingBytes must be from 8192 to 2147483648: received 8191",
    ],
    [
      { maxPendingBytes: 2 ** 31 + 1 },
      "RangeError",
      "maxPendingBytes must be from 61440 to 2147483648: received 2147483649",
    ],
    [{ meterCacheSize: -1 }, "RangeError", "meterCacheSize must be from 0 to 10000000: received -1"],
    [{ meterCacheSize: 10_000_001 }, "RangeError", "meterCacheSize must be from 0 to 10000000: received 10000001"],
    [{ meterCacheSize: 10.5 }, "TypeError", "meterCacheSize must be an integer: received 10.5"],
    [{ aggregate: { intervalMs: 99 } }, "RangeError", "aggregate.intervalMs must be from 100 to 60000: received 99"],
    [
      { aggregate: { intervalMs: 60_001 } },
      "RangeError",
      "aggregate.intervalMs must be from 100 to 60000: received 60001",
    ],
    [{ aggregate: { intervalMs: "1000" } }, "TypeError", 'aggregate.intervalMs must be an integer: received "1000"'],
    [{ aggregate: {} }, "TypeError", "aggregate.intervalMs must be an integer: received undefined"],
    [
      { aggregate: 1000 },
      "TypeError",
      "aggregate must be an object such as { intervalMs: 1000 }: received 1000",
    ],
    [
      { aggregate: null },
      "TypeError",
      "aggregate must be an object such as { intervalMs: 1000 }: received null",
    ],
    [{ ffi: "false" }, "TypeError", 'ffi must be a boolean: received "false"'],
    [{ unixFfi: 0 }, "TypeError", "unixFfi must be a boolean: received 0"],
    // Checked even when ffi: false makes it moot.
    [{ ffi: false, unixFfi: "yes" }, "TypeError", 'unixFfi must be a boolean: received "yes"'],
    [
      { extraCommonTags: "nf.app=web" },
      "TypeError",
      'extraCommonTags must be an object of tag keys to values such as { "nf.app": "web" }: received "nf.app=web"',
    ],
    [
      { extraCommonTags: null },
      "TypeError",
      'extraCommonTags must be an object of tag keys to values such as { "nf.app": "web" }: received null',
    ],
  ];
  for (const [options, name, message] of cases) {
    assertThrowsOnce(() => construct({ location: "memory", ...options }), name, `Cannot create Config: ${message}`);
  }
});

test("A file:// location whose directory is missing throws one error at Registry construction, naming the path", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spectator-config-errors-"));
  try {
    const file = path.join(dir, "missing", "metrics.txt");
    for (
      const make of [
        () => construct({ location: `file://${file}` }),
        () => construct({ location: "memory" }, { SPECTATOR_OUTPUT_LOCATION: `file://${file}` }),
      ]
    ) {
      let errors = 0;
      try {
        make();
      } catch (error) {
        errors++;
        const { message } = error as Error;
        assert.ok(message.startsWith(`Cannot create FileWriter: cannot open file://${file} for appending: `), message);
        assert.match(message, /ENOENT|no such file or directory/i);
      }
      assert.equal(errors, 1);
    }
    assert.equal(fs.existsSync(path.join(dir, "missing")), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("A null option is rejected rather than taken as the default", () => {
  for (const options of [{ location: null }, { bufferSize: null }, { flushIntervalMs: null }, { ffi: null }]) {
    assert.throws(() => construct(options as unknown as ConfigOptions), TypeError, JSON.stringify(options));
  }
});

test("A non-string location's message shows its type rather than a string", () => {
  assert.throws(() => construct({ location: 42 as unknown as string }), { message: /received 42 \(number\)$/ });
});

test("An unknown option throws a TypeError naming it, with the spelling expected for spectator-py's and spectator-js's", () => {
  const prefix = "Cannot create Config: unknown option";
  const cases: [options: Record<string, unknown>, message: string][] = [
    [{ extra_common_tags: { a: "1" } }, `${prefix} "extra_common_tags": it is spelled extraCommonTags here`],
    [{ buffer_size: 8192 }, `${prefix} "buffer_size": it is spelled bufferSize here`],
    [{ buffer_size_bytes: 8192 }, `${prefix} "buffer_size_bytes": it is spelled bufferSize here`],
    [{ log_level: "debug" }, `${prefix} "log_level": it is spelled logLevel here`],
    [{ is_global: true }, `${prefix} "is_global": use GlobalRegistry for the global registry`],
    [{ locaton: "memory" }, `${prefix} "locaton": did you mean location?`],
    [{ Location: "memory" }, `${prefix} "Location": did you mean location?`],
    [{ extraCommonTag: {} }, `${prefix} "extraCommonTag": did you mean extraCommonTags?`],
    [
      { colour: "blue" },
      `${prefix} "colour": the options are location, extraCommonTags, bufferSize, flushIntervalMs, maxPendingBytes, ` +
      "maxDatagramBytes, logger, logLevel, ffi, unixFfi, transport, aggregate, meterCacheSize and fold",
    ],
    [{ location: "memory", locaton: undefined }, `${prefix} "locaton": did you mean location?`],
  ];
  for (const [options, message] of cases) {
    assertThrowsOnce(() => construct(options as ConfigOptions), "TypeError", message);
  }
});

test("A location given as Config's first argument, as spectator-py and spectator-js take it, throws showing the options object", () => {
  assertThrowsOnce(
    () => new Config("memory" as unknown as ConfigOptions),
    "TypeError",
    'Cannot create Config: options must be an object such as { location: "memory" } (spectator-py and spectator-js ' +
      'take the location as the first argument): received "memory"',
  );
});
