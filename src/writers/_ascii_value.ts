/**
 * Formatting a number straight into a byte buffer: the hot path of every
 * meter update, with no string or encoder call for common integers.
 *
 * @module
 */

/**
 * The longest text `String(n)` gives for a number, e.g.
 * `-1.7976931348623157e+308` or `-0.0000012345678901234567` (25 characters);
 * rounded up.
 */
export const MAX_NUMBER_CHARS = 32;

/**
 * Spells a protocol value: a number as `String(n)` does, but `-0` with its
 * sign (as spectator-py writes `-0.0`); a string (a bigint's digits) as it is.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { valueText } from "./_ascii_value.ts";
 *
 * strictEqual(valueText(-0), "-0");
 * strictEqual(valueText(0.5), "0.5");
 * ```
 */
export function valueText(value: number | string): string {
  if (typeof value === "string") return value;
  return value === 0 && 1 / value < 0 ? "-0" : String(value);
}

/**
 * Writes `value` as {@linkcode valueText} spells it, as ASCII bytes at
 * `buffer[position]`, and returns the position after it. Whole numbers up to
 * 2^32 - 1 take a digit loop; other numbers are copied character by
 * character. The caller makes sure {@linkcode MAX_NUMBER_CHARS} bytes are
 * free, or the exact length of `valueText(value)`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { writeAsciiValue } from "./_ascii_value.ts";
 *
 * const buffer = new Uint8Array(32);
 * const end = writeAsciiValue(buffer, 0, 1024);
 * strictEqual(new TextDecoder().decode(buffer.subarray(0, end)), "1024");
 * ```
 */
export function writeAsciiValue(buffer: Uint8Array, position: number, value: number): number {
  // -0 passes the integer test but is spelled with its sign.
  if ((value >>> 0) === value && (value !== 0 || 1 / value > 0)) return writeUint32(buffer, position, value);
  const text = valueText(value);
  for (let i = 0; i < text.length; i++) buffer[position + i] = text.charCodeAt(i);
  return position + text.length;
}

function writeUint32(buffer: Uint8Array, position: number, value: number): number {
  const end = position + decimalDigits(value);
  let at = end;
  do {
    const quotient = (value / 10) >>> 0;
    buffer[--at] = 48 + value - quotient * 10;
    value = quotient;
  } while (value > 0);
  return end;
}

function decimalDigits(value: number): number {
  if (value < 10) return 1;
  if (value < 100) return 2;
  if (value < 1000) return 3;
  if (value < 10000) return 4;
  if (value < 100000) return 5;
  if (value < 1000000) return 6;
  if (value < 10000000) return 7;
  if (value < 100000000) return 8;
  if (value < 1000000000) return 9;
  return 10;
}
