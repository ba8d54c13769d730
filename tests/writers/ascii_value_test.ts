import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_NUMBER_CHARS, writeAsciiValue } from "../../src/writers/_ascii_value.ts";
import { random, randomDouble, randomInt } from "../helpers/random.ts";

const decoder = new TextDecoder();

/** Where values are written in the test buffer: not at 0, so an offset error shows. */
const START = 5;
/** What the buffer holds outside the value: a byte no value contains. */
const SENTINEL = 0xee;
const buffer = new Uint8Array(START + 64 + 16);

/**
 * Writes `value` at {@linkcode START} into a buffer of sentinels and checks
 * that the bytes are exactly `String(value)`'s (`-0` with its sign, as
 * spectator-py's `-0.0`), that nothing outside them changed, and that no
 * more than `MAX_NUMBER_CHARS` were used. Compares
 * by hand and asserts only on a mismatch, so that many values stay fast.
 */
function checkSpelling(value: number): void {
  buffer.fill(SENTINEL);
  const end = writeAsciiValue(buffer, START, value);
  const expected = Object.is(value, -0) ? "-0" : String(value);
  let ok = end - START === expected.length && end - START <= MAX_NUMBER_CHARS;
  for (let i = 0; ok && i < expected.length; i++) ok = buffer[START + i] === expected.charCodeAt(i);
  for (let i = 0; ok && i < START; i++) ok = buffer[i] === SENTINEL;
  for (let i = end; ok && i < buffer.length; i++) ok = buffer[i] === SENTINEL;
  if (ok) return;
  const what = expected;
  assert.deepEqual(decoder.decode(buffer.subarray(START, end)), expected, what);
  assert.ok(end - START <= MAX_NUMBER_CHARS, `${what}: ${end - START} bytes, MAX_NUMBER_CHARS ${MAX_NUMBER_CHARS}`);
  assert.deepEqual(
    buffer.subarray(0, START),
    new Uint8Array(START).fill(SENTINEL),
    `${what}: wrote before the position`,
  );
  assert.fail(`${what}: wrote past the returned end: ${buffer.subarray(end).join(",")}`);
}

/** Edges of the digit loop and of String(n)'s notations. */
const TABLE: number[] = [
  0,
  -0,
  1,
  7,
  9,
  10,
  11,
  99,
  100,
  101,
  999,
  1000,
  65535,
  65536,
  999_999_999,
  1_000_000_000,
  1_000_000_001,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 2,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 32 + 1,
  4_294_967_295.5,
  9_999_999_999,
  10_000_000_000,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  -1,
  -9,
  -10,
  -(2 ** 31),
  -(2 ** 32 - 1),
  -(2 ** 32),
  -(2 ** 53),
  0.5,
  0.1,
  0.1 + 0.2,
  1 / 3,
  -1 / 3,
  1.5,
  -1.5,
  1e-6,
  1e-7,
  -1e-7,
  1.2345678901234567e-6,
  -1.2345678901234567e-6,
  1e20,
  1e21,
  -1e21,
  123456789012345680000,
  1.2345678901234567e21,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  Number.MIN_VALUE,
  Number.EPSILON,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  NaN,
  Infinity,
  -Infinity,
];

test("writeAsciiValue() writes exactly String(n)'s bytes for a table of edge values", () => {
  for (const value of TABLE) checkSpelling(value);
});

test("writeAsciiValue() writes exactly String(n)'s bytes for many generated numbers", () => {
  const next = random(20240611);
  // Every integer up to 100000, every digit-count edge, every power of two up to 2^64, all ± a few.
  for (let n = 0; n < 100_000; n++) checkSpelling(n);
  for (let power = 1; power <= 1e21; power *= 10) {
    for (let d = -3; d <= 3; d++) {
      checkSpelling(power + d);
      checkSpelling(-(power + d));
    }
  }
  for (let exponent = 0; exponent <= 64; exponent++) {
    for (let d = -3; d <= 3; d++) {
      checkSpelling(2 ** exponent + d);
      checkSpelling(-(2 ** exponent) + d);
    }
  }
  for (let i = 0; i < 20_000; i++) {
    checkSpelling(randomInt(next, 2 ** 32)); // the digit loop's range
    checkSpelling(2 ** 32 + randomInt(next, 2 ** 21) * 2 ** 11); // just past it, up to 2^53
    checkSpelling(-randomInt(next, 2 ** 32));
    checkSpelling(next() * 10 ** (randomInt(next, 30) - 9)); // fractions in fixed and exponent notation
    checkSpelling(-next() * 10 ** (randomInt(next, 40) - 10));
    checkSpelling(randomDouble(next)); // any bit pattern: subnormals, huge values, NaN, infinities
  }
});

test("MAX_NUMBER_CHARS bounds String(n) for every double", () => {
  const next = random(99);
  let longest = "";
  const consider = (value: number) => {
    const text = String(value);
    if (text.length > longest.length) longest = text;
  };
  // The longest spellings: 17 significant digits, negative, in fixed notation just above 1e-7,
  // and in exponent notation with a three-digit exponent.
  for (
    const value of [-1.2345678901234567e-6, -1.7976931348623157e308, -2.2250738585072014e-308, -1.2345678901234567e20]
  ) {
    consider(value);
  }
  assert.equal(longest, "-0.0000012345678901234567");
  for (let i = 0; i < 200_000; i++) {
    consider(randomDouble(next));
    // Random 17-digit mantissas across the whole fixed-notation range.
    consider(-(1 + next()) * 10 ** (randomInt(next, 29) - 7));
  }
  assert.ok(longest.length <= MAX_NUMBER_CHARS, `String(n) gave ${longest.length} characters: ${longest}`);
});
