/**
 * Property-based tests of the safety bar (DESIGN §8): fuzzed names, tags and
 * values never throw, never produce a line that SpectatorD cannot parse, and
 * never produce more than one line per update; and the LineWriter's framing
 * never splits a line or exceeds its datagram limit.
 *
 * Every case has its own seed, printed with the failing input, so a failure
 * reproduces: `FUZZ_CASE=<seed>` runs only that case (of the meter, framing
 * or fast-path test that printed it). The base seed is fixed so CI is
 * deterministic; `FUZZ_SEED=<n>` runs other cases and `FUZZ_SCALE=<k>`
 * multiplies the case counts.
 *
 * @module
 */

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { writeValue } from "./helpers/fake_transport.ts";
import {
  Aggregator,
  Config,
  Gauge,
  LineWriter,
  type Logger,
  MemoryWriter,
  type Meter,
  MeterId,
  parseProtocolLine,
  Registry,
} from "../mod.ts";
import { encodePrefix } from "../src/writers/_value_path.ts";
import { withEnv } from "./helpers/env.ts";
import { METER_KINDS, type MeterKind, update } from "./helpers/meter_kinds.ts";
import { pick, random, randomDouble, randomInt } from "./helpers/random.ts";
import { isStrtodNumber, isUint64, spectatordProblem } from "./helpers/spectatord_rules.ts";

/** The base seed: each case runs with its own seed, derived from it by {@linkcode caseSeeds}. */
const BASE_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f00d) | 0;

/** When set, the meter and framing tests run only the case with this seed (as printed by a failure). */
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE) | 0;

/**
 * The seeds of `count` cases of one test (`stream` tells the tests apart):
 * spread by the golden ratio, so runs with different base seeds do not share
 * cases; only {@linkcode ONLY_CASE} when it is set.
 */
function caseSeeds(stream: number, count: number): number[] {
  if (ONLY_CASE !== undefined) return [ONLY_CASE];
  return Array.from({ length: count }, (_, i) => (BASE_SEED ^ stream) + Math.imul(i, 0x9e3779b9) | 0);
}

/** Multiplies the case counts below, for longer local runs: `FUZZ_SCALE=20`. */
const SCALE = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1) || 1);

/**
 * Meter cases per registry configuration (there are seven): each makes one
 * meter (by name, by id, or directly) and updates it 1 to 4 times.
 */
const METER_CASES = Math.round(6_000 * SCALE);

/** LineWriter cases per run: each writes a random sequence of lines through a fake transport. */
const FRAMING_CASES = Math.round(1_500 * SCALE);

/** Updates per run through meters on a LineWriter (the fast path that formats values into the datagram). */
const VALUE_UPDATES = Math.round(100_000 * SCALE);

/**
 * The longest value a meter writes: `String(n)` of a double is at most 25
 * characters (`-0.0000012345678901234567`; `-1.7976931348623157e+308` is 24),
 * and an unsigned 64-bit decimal at most 20.
 */
const MAX_VALUE_CHARS = 25;
const MAX_UINT_CHARS = 20;

/** A logger that drops everything: the fuzzer makes many warnings by design. */
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

// ---------------------------------------------------------------------------
// Generators

/** Characters that are interesting next to the protocol: separators, white space, controls. */
const SEPARATORS = [",", ":", "=", "\n", "\r", "\0", "|", " ", "\t", "\v", "\f", "@", "#", "\\", '"', "'", "\x7f"];

/** Unicode that tends to break things: astral, lone surrogates, combining marks, RTL, invisible. */
const UNICODE = [
  "é",
  "e\u0301",
  "\u0301",
  "\u0300\u0316",
  "😀",
  "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}",
  "𝒳",
  "\u{10FFFF}",
  "\uD800",
  "\uDBFF",
  "\uDC00",
  "\uDFFF",
  "\uDC00\uD800",
  "\u202E",
  "\u202D",
  "\u200F",
  "\u05D0\u05D1",
  "\u0627\u0644",
  "\u200B",
  "\uFEFF",
  "\u2028",
  "\u2029",
  "\u00A0",
  "\u3000",
  "\u0085",
  "中文",
  "\uFFFD",
  "\uFFFF",
  "\uFF1A", // fullwidth colon
  "\uFF0C", // fullwidth comma
  "\u037E", // Greek question mark, looks like ;
  "İ",
  "ß",
];

const SAFE = "-._~^AZaz09bcXY";

function randomChar(next: () => number, palette: number): string {
  switch (palette) {
    case 0:
      return SAFE[randomInt(next, SAFE.length)];
    case 1:
      return next() < 0.5 ? SAFE[randomInt(next, SAFE.length)] : pick(next, SEPARATORS);
    case 2:
      return next() < 0.4 ? SAFE[randomInt(next, SAFE.length)] : pick(next, UNICODE);
    case 3:
      return String.fromCharCode(randomInt(next, 0x10000)); // any code unit, lone surrogates included
    case 4:
      return String.fromCodePoint(randomInt(next, 0x110000)); // any code point
    default:
      return String.fromCharCode(0x20 + randomInt(next, 0x5f)); // printable ASCII
  }
}

/** A random string: empty, short, or (1 in 100) 1,000 to 10,000 characters. */
function randomString(next: () => number): string {
  const mode = randomInt(next, 100);
  if (mode < 5) return "";
  const palette = randomInt(next, 7);
  const parts: string[] = [];
  const length = 1 + randomInt(next, 24);
  for (let i = 0; i < length; i++) parts.push(randomChar(next, palette === 6 ? randomInt(next, 6) : palette));
  const text = parts.join("");
  if (mode !== 5) return text;
  // 1,000 to 10,000 characters: the random part repeated (cheap to make), with a random tail.
  const total = 1000 + randomInt(next, 9001);
  return (text.repeat(Math.ceil(total / text.length)) + randomChar(next, 3)).slice(-total);
}

const thrower = () => {
  throw new Error("fuzz: conversion throws");
};

/** Labels of the non-string values, for failure messages. */
const ODD_LABELS = new WeakMap<object, string>();

function labeled<T extends object>(label: string, value: T): T {
  ODD_LABELS.set(value, label);
  return value;
}

/**
 * Values untyped JavaScript can pass where a string or number is expected.
 * Each call builds fresh objects. Excludes values whose every conversion
 * throws (hostile proxies): see the finding tests at the end.
 */
const ODD_VALUES: readonly (() => unknown)[] = [
  () => 0,
  () => -0,
  () => 42,
  () => -1,
  () => 0.5,
  () => NaN,
  () => Infinity,
  () => -Infinity,
  () => Number.MAX_VALUE,
  () => Number.MIN_VALUE,
  () => undefined,
  () => null,
  () => true,
  () => false,
  () => Symbol("s"),
  () => Symbol(),
  () => Symbol.iterator,
  () => 10n,
  () => -5n,
  () => 2n ** 70n,
  () => -(2n ** 70n),
  () => "1",
  () => "NaN",
  () => " 12 ",
  () => "0x10",
  () => labeled("{}", {}),
  () => labeled("[]", []),
  () => labeled('["a", 1]', ["a", 1]),
  () => labeled("function f", function f() {}),
  () => labeled("arrow function", () => 1),
  () => labeled("new Date(0)", new Date(0)),
  () => labeled("/re/g", /re/g),
  () => labeled("new Map()", new Map([["a", "b"]])),
  () => labeled("Object.create(null)", Object.create(null)),
  () => labeled("{ toString throws }", { toString: thrower }),
  () => labeled("{ toPrimitive throws }", { [Symbol.toPrimitive]: thrower }),
  () => labeled("{ valueOf and toString throw }", { valueOf: thrower, toString: thrower }),
  () => labeled('{ toString: "a:b,c=d\\n" }', { toString: () => "a:b,c=d\n" }),
  () => labeled("{ valueOf: 42 }", { valueOf: () => 42 }),
  () => labeled('new String("boxed")', new String("boxed")),
  () => labeled("new Number(3)", new Number(3)),
  () => labeled("new Error", new Error("e")),
  () => labeled("new Proxy({}, {})", new Proxy({}, {})),
  () => labeled('new Proxy(["x"], {})', new Proxy(["x"], {})),
];

function oddValue(next: () => number): unknown {
  return pick(next, ODD_VALUES)();
}

/** A name: usually a string (sometimes from a small pool, so caches hit), sometimes any value. */
const NAME_POOL = ["requests", "a", "server.requestCount", "x y", "é", "😀", "a:b", "", "\uD800", "n,k=v", "t\n"];

function randomName(next: () => number): unknown {
  const mode = randomInt(next, 100);
  if (mode < 30) return pick(next, NAME_POOL);
  if (mode < 88) return randomString(next);
  return oddValue(next);
}

/** Keys that are special to JavaScript objects (`__proto__` has its own test: finding 3). */
const SPECIAL_KEYS = ["constructor", "toString", "hasOwnProperty", "valueOf", "0", "1", "length", "-1"];

function randomKey(next: () => number): string {
  const mode = randomInt(next, 100);
  if (mode < 8) return pick(next, SPECIAL_KEYS);
  if (mode < 25) return pick(next, ["status", "a", "b", "nf.app", "k"]);
  return randomString(next);
}

function randomTagValue(next: () => number): unknown {
  const mode = randomInt(next, 100);
  if (mode < 20) return pick(next, ["200", "1", "v", "x y", "", "😀"]);
  if (mode < 85) return randomString(next);
  return oddValue(next);
}

/** Defines an own enumerable data property, even for `__proto__`. */
function define(target: object, key: string | symbol, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function plainTags(next: () => number, count: number): Record<string, unknown> {
  const tags: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) define(tags, randomKey(next), randomTagValue(next));
  return tags;
}

/** Tags: usually a plain object, sometimes anything an untyped caller might pass. */
function randomTags(next: () => number): unknown {
  const mode = randomInt(next, 100);
  if (mode < 70) return plainTags(next, randomInt(next, 6));
  if (mode < 76) return undefined;
  if (mode < 78) return { status: "200" }; // a common shape, so caches hit
  switch (mode) {
    case 78:
      return null;
    case 79:
      return labeled("Object.create(null) with tags", Object.assign(Object.create(null), plainTags(next, 2)));
    case 80:
      return labeled("tags inherited from a prototype", Object.create(plainTags(next, 2)));
    case 81: {
      const tags = plainTags(next, 2);
      define(tags, Symbol("k"), "symbol-keyed");
      return labeled("tags with a symbol key", tags);
    }
    case 82:
      return labeled("array of strings", [randomString(next), randomString(next)]);
    case 83:
      return labeled('new String("ab")', new String("ab"));
    case 84:
      return labeled("frozen tags", Object.freeze(plainTags(next, 2)));
    case 85:
      return labeled("new Proxy(tags, {})", new Proxy(plainTags(next, 3), {}));
    case 86:
      return labeled("JSON.parse", JSON.parse('{"constructor":"p","b":"q","":"r"}'));
    case 87:
      return labeled("a Map", new Map([["a", "b"]]));
    case 88:
      return labeled("a function with a property", Object.assign(() => {}, { a: "b" }));
    case 89:
      return labeled(
        "class instance",
        new (class Tags {
          a = "1";
        })(),
      );
    default:
      return oddValue(next);
  }
}

/** A value for an update: doubles of every exponent, integers, specials, bigints, strings, objects. */
const NUMBERS = [
  0,
  -0,
  1,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
  2 ** 64,
  -(2 ** 63),
  1e21,
  1e-7,
  -1.2345678901234567e-7,
  -0.0000012345678901234567,
  123e-20,
  0.1 + 0.2,
  4294967295,
  4294967296,
];

function randomValue(next: () => number): unknown {
  const mode = randomInt(next, 100);
  if (mode < 30) return randomDouble(next);
  if (mode < 45) return randomInt(next, 1011) - 10;
  if (mode < 55) return next() * 1000 - 100;
  if (mode < 65) return pick(next, NUMBERS);
  if (mode < 75) {
    const magnitude = BigInt(Math.floor(next() * 2 ** 30)) << BigInt(randomInt(next, 100));
    return next() < 0.3 ? -magnitude : magnitude;
  }
  if (mode < 80) return pick(next, ["1", "1.5", "-1", "", "NaN", "1e3", "0x10"]);
  return oddValue(next);
}

/** A gauge TTL: mostly whole seconds, sometimes anything. */
function randomTtl(next: () => number): unknown {
  const mode = randomInt(next, 100);
  if (mode < 40) return undefined;
  if (mode < 70) return 1 + randomInt(next, 1_000_000);
  if (mode < 75) return pick(next, [0, -1, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53, NaN, Infinity]);
  // Values whose String() throws are left out here: see finding 1's test.
  const value = randomValue(next);
  return typeof value === "object" && value !== null ? undefined : value;
}

// ---------------------------------------------------------------------------
// The oracle: what DESIGN §2 says the line must be, computed independently

const ALLOWED = /^[-._A-Za-z0-9~^]$/;

/** One `_` per code point outside `-._A-Za-z0-9~^` (a lone surrogate is one code point). */
function expectSanitized(text: string): string {
  let out = "";
  for (const char of text) out += ALLOWED.test(char) ? char : "_";
  return out;
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function compareByCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The name as the id keeps it: a string as given; anything else is no name (its meters write nothing). */
function expectName(name: unknown): string {
  return typeof name === "string" ? name : "";
}

/**
 * The valid tags: own enumerable string keys, non-empty, with non-empty string values, or finite numbers, booleans
 * and bigints as `String()` spells them; then the common tags.
 */
function expectTags(tags: unknown, common: Readonly<Record<string, string>>): Map<string, string> {
  const valid = new Map<string, string>();
  if (tags !== null && typeof tags === "object") {
    for (const key of Object.keys(tags)) {
      const value = (tags as Record<string, unknown>)[key];
      const kept = (typeof value === "string" && value.length > 0) || typeof value === "boolean" ||
        typeof value === "bigint" || (typeof value === "number" && Number.isFinite(value));
      if (key.length > 0 && kept) valid.set(key, String(value));
    }
  }
  for (const key of Object.keys(common)) valid.set(key, common[key]);
  return valid;
}

function expectId(name: string, tags: Map<string, string>): string {
  let id = expectSanitized(name);
  for (const key of [...tags.keys()].sort(compareByCodePoints)) {
    id += `,${expectSanitized(key)}=${expectSanitized(tags.get(key)!)}`;
  }
  return id;
}

/**
 * The bound on a line's length from the raw inputs: the symbol part, two
 * `:`, one character per code point of the name, `,` `=` and one character
 * per code point of each valid tag's key and value, and the value.
 */
function lineBound(symbolPart: string, name: string, tags: Map<string, string>): number {
  let bound = symbolPart.length + 2 + codePointLength(name) + MAX_VALUE_CHARS;
  for (const [key, value] of tags) bound += 2 + codePointLength(key) + codePointLength(value);
  return bound;
}

const TWO_64 = 2n ** 64n;

/** The value text the meter must write for `value`, or `undefined` when it must write nothing. */
function expectValue(symbol: string, value: unknown): string | undefined {
  switch (symbol) {
    case "c": {
      const delta = value === undefined ? 1 : value; // increment()'s default
      return typeof delta === "number" && delta > 0 && delta < Infinity ? String(delta) : undefined;
    }
    case "t":
    case "T":
      return expectValue("d", hrtimeSeconds(value) ?? value);
    case "d":
    case "D":
      return typeof value === "number" && value >= 0 && value < Infinity ? spell(value) : undefined;
    case "g":
    case "m":
    case "C":
    case "A":
      return typeof value === "number" ? spell(value) : undefined;
    case "U": {
      let big: bigint;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isInteger(value)) big = BigInt(value);
      else return undefined;
      return (((big % TWO_64) + TWO_64) % TWO_64).toString();
    }
  }
  throw new Error(`unknown symbol ${symbol}`);
}

/** A number as a line spells it: `String(n)`, but -0 with its sign (spectator-py writes -0.0). */
function spell(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

/** The seconds of a timer duration given as process.hrtime gives it: a bigint of nanoseconds, or [seconds, nanoseconds]. */
function hrtimeSeconds(value: unknown): number | undefined {
  if (typeof value === "bigint") return Number(value / 1_000_000_000n) + Number(value % 1_000_000_000n) / 1e9;
  if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === "number")) {
    return value[0] + value[1] / 1e9;
  }
  return undefined;
}

/** `g,<ttl>` in whole digits, at most 2^63-1, for a positive integral number or bigint; else `g`. */
function expectGaugeSymbol(ttl: unknown): string {
  const whole = typeof ttl === "bigint" ? ttl : typeof ttl === "number" && Number.isInteger(ttl) ? BigInt(ttl) : 0n;
  const max = 2n ** 63n - 1n;
  return whole > 0n ? `g,${(whole > max ? max : whole).toString()}` : "g";
}

// ---------------------------------------------------------------------------
// Describing inputs in failure messages

function describe(value: unknown): string {
  switch (typeof value) {
    case "string": {
      const text = JSON.stringify(value.length > 200 ? value.slice(0, 200) : value);
      return value.length > 200 ? `${text}... (${value.length} chars)` : text;
    }
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "object":
    case "function": {
      if (value === null) return "null";
      const label = ODD_LABELS.get(value);
      if (label !== undefined && !label.includes("tags")) return label;
      let keys: string[];
      try {
        keys = Object.keys(value);
      } catch {
        return label ?? typeof value;
      }
      const entries = keys.map((k) => `${JSON.stringify(k)}: ${describe((value as Record<string, unknown>)[k])}`);
      return `${label ?? (Array.isArray(value) ? "array" : "object")} {${entries.join(", ")}}`;
    }
    default:
      return String(value);
  }
}

// ---------------------------------------------------------------------------
// Checking lines

/** Fails with `message()` unless `condition` holds; the message is built only on failure. */
function check(condition: boolean, message: () => string): void {
  if (!condition) assert.fail(message());
}

/** `assert.deepEqual` whose message is built only on failure. */
function same(actual: unknown, expected: unknown, message: () => string): void {
  try {
    assert.deepEqual(actual, expected);
  } catch (error) {
    assert.fail(`${message()}\n${(error as Error).message}`);
  }
}

interface Expected {
  /** `<symbol>[,ttl]:<id>:`, or `undefined` when the meter must write nothing (empty name). */
  prefix: string | undefined;
  symbol: string;
  bound: number;
}

function checkLine(line: string, expected: Expected, context: () => string): void {
  const fail = (why: string) => assert.fail(`${why}: line=${JSON.stringify(line)}\n  ${context()}`);
  if (expected.prefix === undefined) fail("a meter with an empty name wrote a line");
  if (!/^[\x20-\x7e]+$/.test(line)) fail("the line is not printable ASCII");
  if (!line.startsWith(expected.prefix!)) fail(`the line does not start with ${JSON.stringify(expected.prefix)}`);
  const value = line.slice(expected.prefix!.length);
  const maxValue = expected.symbol === "U" ? MAX_UINT_CHARS : MAX_VALUE_CHARS;
  if (value.length > maxValue) fail(`the value is longer than ${maxValue} characters`);
  if (line.length > expected.bound) fail(`the line is longer than the bound ${expected.bound}`);
  const valid = expected.symbol === "U" ? isUint64(value) : isStrtodNumber(value);
  if (!valid) fail("the value is not a number SpectatorD reads");
  try {
    const [symbol] = parseProtocolLine(line);
    if (symbol !== expected.symbol) fail(`parseProtocolLine read the symbol ${symbol}`);
  } catch (error) {
    fail(`parseProtocolLine rejected the line (${error})`);
  }
  const problem = spectatordProblem(line);
  if (problem !== undefined) fail(`SpectatorD's rules reject the line: ${problem}`);
}

// ---------------------------------------------------------------------------
// Where meters come from

const COMMON_TAGS: Readonly<Record<string, string>> = { "nf.app": "fuzz", b: "common" };

/** A registry configuration under test, with a writer and aggregator for meters built directly. */
interface Variant {
  label: string;
  registry: Registry;
  writer: MemoryWriter;
  aggregate: boolean;
  common: Readonly<Record<string, string>>;
  /** Aggregates the meters built directly, when the registry aggregates. */
  aggregator: Aggregator | undefined;
}

/** The registry configurations under test: with and without pre-aggregation, caches of 0, 8 and 10,000 meters. */
const VARIANT_SPECS: readonly { label: string; cache?: number; aggregate?: boolean; common?: boolean }[] = [
  { label: "default cache" },
  { label: "meterCacheSize 0", cache: 0 },
  { label: "meterCacheSize 8", cache: 8 },
  { label: "aggregate", aggregate: true },
  { label: "aggregate, meterCacheSize 0", aggregate: true, cache: 0 },
  { label: "aggregate, meterCacheSize 8", aggregate: true, cache: 8 },
  { label: "extraCommonTags, meterCacheSize 8", cache: 8, common: true },
];

function makeVariant(spec: typeof VARIANT_SPECS[number]): Variant {
  const registry = withEnv({}, () =>
    new Registry(
      new Config({
        location: "memory",
        logger: silent,
        meterCacheSize: spec.cache,
        aggregate: spec.aggregate ? { intervalMs: 60_000 } : undefined,
        extraCommonTags: spec.common ? COMMON_TAGS : undefined,
      }),
    ));
  const common = registry.config().extraCommonTags;
  assert.deepEqual(common, spec.common ? COMMON_TAGS : {});
  return {
    label: spec.label,
    registry,
    writer: registry.writer() as MemoryWriter,
    aggregate: spec.aggregate === true,
    common,
    aggregator: spec.aggregate ? new Aggregator(60_000) : undefined,
  };
}

type Path = "by name" | "withId(newId)" | "withId(new MeterId)" | "new Meter";
const PATHS: readonly Path[] = ["by name", "withId(newId)", "withId(new MeterId)", "new Meter"];

/** Kinds that aggregate (timers and distribution summaries send every sample). */
const AGGREGATED = new Set(["c", "g", "m", "C", "A", "U"]);

function makeMeter(variant: Variant, kind: MeterKind, path: Path, name: unknown, tags: unknown, ttl: unknown): Meter {
  const registry = variant.registry as unknown as Record<string, (...args: unknown[]) => Meter>;
  const isGauge = kind.symbol === "g";
  switch (path) {
    case "by name":
      return isGauge ? registry.gauge.call(variant.registry, name, tags, ttl) : registry[kind.factory].call(
        variant.registry,
        name,
        tags,
      );
    case "withId(newId)":
    case "withId(new MeterId)": {
      const id = path === "withId(newId)"
        ? variant.registry.newId(name as string, tags as Record<string, string>)
        : new MeterId(name as string, tags as Record<string, string>, { logger: silent });
      return isGauge
        ? variant.registry.gaugeWithId(id, ttl as number)
        : registry[`${kind.factory}WithId`].call(variant.registry, id);
    }
    case "new Meter": {
      const id = new MeterId(name as string, tags as Record<string, string>, { logger: silent });
      const options = { aggregator: variant.aggregator };
      if (isGauge) return new Gauge(id, variant.writer, ttl as number, options);
      const Kind = kind.meter as unknown as new (id: MeterId, writer: MemoryWriter, options: object) => Meter;
      return new Kind(id, variant.writer, options);
    }
  }
}

function flushVariant(variant: Variant): void {
  void variant.registry.flush(); // the aggregator flushes synchronously; the memory writer keeps lines at once
  variant.aggregator?.flush();
}

// ---------------------------------------------------------------------------
// The tests

for (const [index, spec] of VARIANT_SPECS.entries()) {
  test(`fuzz: meters of every kind, made every way, write at most one valid line per update (${spec.label}, ${METER_CASES} cases)`, async () => {
    const variant = makeVariant(spec);
    let cases = 0;
    let updates = 0;
    let lines = 0;
    try {
      for (const seed of caseSeeds(index + 1, METER_CASES)) {
        cases++;
        const next = random(seed);
        const kind = pick(next, METER_KINDS);
        const path = pick(next, PATHS);
        const name = randomName(next);
        const tags = randomTags(next);
        const ttl = kind.symbol === "g" ? randomTtl(next) : undefined;
        const values: unknown[] = [];
        const context = () =>
          `seed=${seed} variant=${variant.label} kind=${kind.factory} path=${path} name=${describe(name)} ` +
          `tags=${describe(tags)}${kind.symbol === "g" ? ` ttl=${describe(ttl)}` : ""} ` +
          `updates=[${values.map(describe).join(", ")}]`;

        const expectedName = expectName(name);
        const expectedTags = expectTags(
          tags,
          path === "withId(new MeterId)" || path === "new Meter" ? {} : variant.common,
        );
        const symbolPart = kind.symbol === "g" ? expectGaugeSymbol(ttl) : kind.symbol;
        const expected: Expected = {
          prefix: expectedName === "" ? undefined : `${symbolPart}:${expectId(expectedName, expectedTags)}:`,
          symbol: kind.symbol,
          bound: lineBound(symbolPart, expectedName, expectedTags),
        };

        const writer = variant.writer;
        writer.clear();
        let meter: Meter;
        try {
          meter = makeMeter(variant, kind, path, name, tags, ttl);
        } catch (error) {
          assert.fail(`making the meter threw ${error}\n  ${context()}`);
        }
        check(writer.isEmpty(), () => `making the meter wrote a line\n  ${context()}`);

        const aggregated = variant.aggregate && AGGREGATED.has(kind.symbol);
        let last: string | undefined;
        let seen = 0;
        const count = 1 + randomInt(next, 4);
        for (let u = 0; u < count; u++) {
          const now = kind.symbol === "A" && next() < 0.15;
          const value = now ? "now()" : randomValue(next);
          values.push(value);
          try {
            if (now) (meter as unknown as { now(): void }).now();
            else update(meter, kind.update, value);
          } catch (error) {
            assert.fail(`the update threw ${error}\n  ${context()}`);
          }
          updates++;
          const written = writer.get();
          const fresh = written.slice(seen);
          seen = written.length;
          check(
            fresh.length <= 1,
            () => `one update wrote ${fresh.length} lines: ${JSON.stringify(fresh)}\n  ${context()}`,
          );
          for (const line of fresh) checkLine(line, expected, context);
          const text = now ? "0" : expectValue(kind.symbol, value);
          if (text !== undefined) last = text;
          if (aggregated) continue; // counters write here only when a sum would overflow
          const want = text === undefined || expected.prefix === undefined ? [] : [expected.prefix + text];
          same(fresh, want, () => `the update wrote the wrong lines\n  ${context()}`);
        }
        if (aggregated) {
          flushVariant(variant);
          const flushed = writer.get().slice(seen);
          const want = last === undefined || expected.prefix === undefined ? 0 : 1;
          check(flushed.length === want, () => `a flush wrote ${JSON.stringify(flushed)} for one id\n  ${context()}`);
          for (const line of flushed) checkLine(line, expected, context);
          if (want === 1 && kind.symbol !== "c" && kind.symbol !== "m") {
            same(flushed[0], expected.prefix + last!, () => `a flush wrote the wrong last value\n  ${context()}`);
          }
        }
        lines += writer.get().length;
      }
    } finally {
      variant.aggregator?.close();
      await variant.registry.close();
    }
    console.log(
      `fuzz: ${spec.label}: ${cases} meter cases, ${updates} updates, ${lines} lines checked (base seed ${BASE_SEED})`,
    );
  });
}

/** A line for the framing test: printable ASCII with some multi-byte characters, never a newline. */
function framingLine(next: () => number, maxBytes: number): string {
  const length = 1 + randomInt(next, Math.ceil(maxBytes * 1.3));
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    const roll = randomInt(next, 40);
    parts.push(
      roll === 0 ? "é" : roll === 1 ? "€" : roll === 2 ? "😀" : String.fromCharCode(0x20 + randomInt(next, 0x5f)),
    );
  }
  return parts.join("");
}

const utf8 = new TextEncoder();
const decoder = new TextDecoder();

test(`fuzz: LineWriter framing never splits a line nor exceeds maxDatagramBytes (${FRAMING_CASES} cases)`, async () => {
  let totalLines = 0;
  let totalDatagrams = 0;
  let cases = 0;
  for (const seed of caseSeeds(0x0f0f0f0f, FRAMING_CASES)) {
    cases++;
    const next = random(seed);
    const maxDatagramBytes = 1 + randomInt(next, 200);
    const bufferSize = next() < 0.5 ? 0 : 1 + randomInt(next, maxDatagramBytes * 2);
    const mode = next() < 0.5 ? "sync" : "async";
    const datagrams: Uint8Array[] = [];
    const writer = new LineWriter(() => ({
      send(bytes: Uint8Array) {
        // A synchronous send must be done with the bytes when it returns; an asynchronous one owns them.
        datagrams.push(mode === "sync" ? bytes.slice() : bytes);
        return mode === "sync" ? undefined : Promise.resolve();
      },
      close: () => Promise.resolve(),
    }), { description: "fuzz", maxDatagramBytes, bufferSize, logger: silent });
    const ops: string[] = [];
    const accepted: string[] = [];
    let tooLong = 0;
    const context = () =>
      `seed=${seed} maxDatagramBytes=${maxDatagramBytes} bufferSize=${bufferSize} transport=${mode} ops=${
        JSON.stringify(ops)
      }`;
    const count = randomInt(next, 60);
    for (let n = 0; n < count; n++) {
      const roll = randomInt(next, 20);
      let line: string;
      if (roll < 12) {
        line = framingLine(next, maxDatagramBytes);
        ops.push(`write ${line}`);
        writer.write(line);
      } else if (roll < 19) {
        const prefix = encodePrefix(`c:${"n".repeat(randomInt(next, maxDatagramBytes))}:`);
        const value = next() < 0.8
          ? (randomValue(next) as number)
          : String(BigInt.asUintN(64, BigInt(randomInt(next, 2 ** 30)) << 30n));
        const numeric = typeof value === "number" || typeof value === "string" ? value : 1;
        line = prefix.text + (typeof numeric === "number" ? spell(numeric) : numeric);
        ops.push(`writeValue ${line}`);
        writeValue(writer, prefix, numeric);
      } else {
        ops.push("flush");
        await writer.flush();
        continue;
      }
      if (utf8.encode(line).length <= maxDatagramBytes) accepted.push(line);
      else tooLong++;
    }
    await writer.close();
    for (const datagram of datagrams) {
      check(datagram.length > 0, () => `an empty datagram was sent\n  ${context()}`);
      check(datagram.length <= maxDatagramBytes, () => `a datagram of ${datagram.length} bytes\n  ${context()}`);
    }
    const received = datagrams.flatMap((datagram) => decoder.decode(datagram).split("\n"));
    same(received, accepted, () => `the datagrams do not give back the accepted lines\n  ${context()}`);
    const stats = writer.stats();
    same(stats.sentLines, accepted.length, () => `sentLines\n  ${context()}`);
    same(stats.droppedLines, tooLong, () => `droppedLines\n  ${context()}`);
    same(stats.sentDatagrams, datagrams.length, () => `sentDatagrams\n  ${context()}`);
    same(stats.pendingBytes, 0, () => `pendingBytes\n  ${context()}`);
    totalLines += count;
    totalDatagrams += datagrams.length;
  }
  console.log(
    `fuzz: ${cases} framing cases, ${totalLines} operations, ${totalDatagrams} datagrams checked (base seed ${BASE_SEED})`,
  );
});

test("fuzz: the SpectatorD rules accept good lines and reject bad ones", () => {
  for (
    const good of [
      "c:a:1",
      "g,120:queue.size,queue=jobs:42",
      "g:a:NaN",
      "m:a:-Infinity",
      "t:a,b=c,d=e:1e-7",
      "U:a:18446744073709551615",
      "A:a:0",
      "d:a:0x1p3",
    ]
  ) assert.equal(spectatordProblem(good), undefined, good);
  for (
    const bad of [
      "",
      "x:a:1",
      "X,1:a:1",
      "g,0:a:1",
      "g,-5:a:1",
      "g,x:a:1",
      "c,5:a:1",
      "c::1",
      "c:a",
      "c:a,b:1",
      "c:a,=b:1",
      "c:a,b=:1",
      "c:a,b=c=d:1",
      "c:a:",
      "c:a:1x",
      "c:a:1\n",
      "c:a:1\0",
      "U:a:18446744073709551616",
      "U:a:-1",
      "U:a:1.5",
    ]
  ) assert.notEqual(spectatordProblem(bad), undefined, bad);
});

test(`fuzz: values through the LineWriter fast path give exactly the expected lines (${VALUE_UPDATES} updates)`, async () => {
  const received: string[] = [];
  const writer = new LineWriter(() => ({
    send(bytes: Uint8Array) {
      for (const line of decoder.decode(bytes).split("\n")) received.push(line);
    },
    close: () => Promise.resolve(),
    // Some meters have 10,000-character ids. Folding off: every update's own line is checked.
  }), { description: "fuzz", logger: silent, maxPendingBytes: 2 ** 30, fold: false });
  const setup = random(BASE_SEED ^ 0x7a7a7a7a);
  const meters = Array.from({ length: 60 }, (_, i) => {
    const kind = METER_KINDS[i % METER_KINDS.length];
    const name = randomName(setup);
    const tags = randomTags(setup);
    const ttl = kind.symbol === "g" ? randomTtl(setup) : undefined;
    const id = new MeterId(name as string, tags as Record<string, string>, { logger: silent });
    const meter = kind.symbol === "g"
      ? new Gauge(id, writer, ttl as number)
      : new (kind.meter as unknown as new (id: MeterId, writer: LineWriter) => Meter)(id, writer);
    const expectedName = expectName(name);
    const expectedTags = expectTags(tags, {});
    const symbolPart = kind.symbol === "g" ? expectGaugeSymbol(ttl) : kind.symbol;
    const expected: Expected = {
      prefix: expectedName === "" ? undefined : `${symbolPart}:${expectId(expectedName, expectedTags)}:`,
      symbol: kind.symbol,
      bound: lineBound(symbolPart, expectedName, expectedTags),
    };
    return { kind, meter, expected, label: () => `${kind.factory} name=${describe(name)} tags=${describe(tags)}` };
  });
  const CHUNK = 2000;
  let checked = 0;
  let updates = 0;
  try {
    for (const seed of caseSeeds(0x3c3c3c3c, Math.ceil(VALUE_UPDATES / CHUNK))) {
      const next = random(seed);
      const wanted: { line: string; what: () => string }[] = [];
      received.length = 0; // full datagrams go out during the chunk, the rest at flush()
      for (let u = 0; u < CHUNK; u++) {
        const { kind, meter, expected, label } = pick(next, meters);
        const value = next() < 0.85 ? randomValue(next) : pick(next, NUMBERS);
        const what = () =>
          `chunk seed=${seed} (base seed ${BASE_SEED}) update ${u}: ${label()} value=${describe(value)}`;
        try {
          update(meter, kind.update, value);
        } catch (error) {
          assert.fail(`the update threw ${error}\n  ${what()}`);
        }
        const text = expectValue(kind.symbol, value);
        if (text !== undefined && expected.prefix !== undefined) wanted.push({ line: expected.prefix + text, what });
      }
      await writer.flush();
      assert.equal(
        received.length,
        wanted.length,
        `chunk seed=${seed}: ${received.length} lines for ${wanted.length} (${JSON.stringify(writer.stats())})`,
      );
      for (let i = 0; i < wanted.length; i++) {
        assert.equal(received[i], wanted[i].line, `the wrong line\n  ${wanted[i].what()}`);
      }
      for (const line of received) {
        check(/^[\x20-\x7e]+$/.test(line), () => `not printable ASCII: ${JSON.stringify(line)} (chunk seed=${seed})`);
        const problem = spectatordProblem(line);
        check(problem === undefined, () => `${problem}: ${JSON.stringify(line)} (chunk seed=${seed})`);
      }
      checked += received.length;
      updates += CHUNK;
    }
  } finally {
    await writer.close();
  }
  assert.equal(writer.stats().droppedLines, 0);
  console.log(
    `fuzz: ${updates} updates through the LineWriter fast path, ${checked} lines checked (base seed ${BASE_SEED})`,
  );
});

// ---------------------------------------------------------------------------
// Findings: inputs that break the safety bar today. Each is the minimal case
// the fuzzer (or a direct probe of what it excludes) found.

test("Finding 1: a gauge TTL whose String() throws makes the gauge factories throw", () => {
  const { registry } = variantsForFindings();
  for (const ttl of [Object.create(null), { toString: thrower }]) {
    assert.doesNotThrow(() => registry.gauge("x", {}, ttl));
    assert.doesNotThrow(() => registry.gaugeWithId(new MeterId("x"), ttl));
    assert.doesNotThrow(() => new Gauge(new MeterId("x"), new MemoryWriter({ logger: silent }), ttl));
  }
});

test("Finding 2: tags are sorted by code point even when a key holds a lone surrogate", () => {
  // U+DFFF < U+10000, so the tag with key "\uDFFF" comes first.
  assert.equal(new MeterId("x", { "\u{10000}": "astral", "\uDFFF": "lone" }).spectatordId, "x,_=lone,_=astral");
});

test("Finding 3: a tag keyed __proto__ (e.g. from JSON.parse) is kept on every runtime", () => {
  const { registry, writer } = variantsForFindings();
  registry.counter("x", JSON.parse('{"__proto__":"v"}')).increment();
  assert.equal(writer.lastLine(), "c:x,__proto__=v:1");
});

test("Finding 4: factories never throw for names, tags or tag values whose every conversion throws", () => {
  const { registry } = variantsForFindings();
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const hostile = () => new Proxy({}, { get: thrower, ownKeys: thrower, getPrototypeOf: thrower });
  const cases: [string, () => unknown][] = [
    ["name: Proxy whose get throws", () => registry.counter(hostile() as unknown as string)],
    ["name: revoked Proxy", () => registry.counter(revoked() as unknown as string)],
    ["tags: Proxy whose traps throw", () => registry.counter("x", hostile() as Record<string, string>)],
    ["tags: revoked Proxy", () => registry.counter("x", revoked() as Record<string, string>)],
    [
      "tags: a getter that throws",
      () => registry.counter("x", Object.defineProperty({}, "a", { get: thrower, enumerable: true })),
    ],
    ["tag value: Proxy whose get throws", () => registry.counter("x", { a: hostile() as unknown as string })],
  ];
  const thrown = cases.filter(([, make]) => {
    try {
      make();
      return false;
    } catch {
      return true;
    }
  }).map(([what]) => what);
  assert.deepEqual(thrown, []);
});

test("Finding 5: the ...WithId factories never throw for an id that is not a MeterId", () => {
  const { registry } = variantsForFindings();
  for (const id of [undefined, null, {}, "x"]) {
    assert.doesNotThrow(() => registry.counterWithId(id as unknown as MeterId).increment(), String(id));
  }
});

function variantsForFindings(): { registry: Registry; writer: MemoryWriter } {
  const registry = withEnv({}, () => new Registry(new Config({ location: "memory", logger: silent })));
  return { registry, writer: registry.writer() as MemoryWriter };
}
