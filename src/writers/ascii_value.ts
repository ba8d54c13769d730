/**
 * Formatting a protocol value straight into a byte buffer: the hot path of
 * every meter update, with no string or encoder call for common integers.
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
 * import { valueText } from "./ascii_value.ts";
 *
 * valueText(-0); // "-0"
 * valueText(0.5); // "0.5"
 * ```
 */
export function valueText(value: number | string): string {
  if (typeof value === "string") return value;
  return value === 0 && 1 / value < 0 ? "-0" : String(value);
}

/**
 * Returns how many bytes {@linkcode writeAsciiValue} may need for `value`.
 *
 * @example
 * ```ts
 * import { maxValueBytes } from "./ascii_value.ts";
 *
 * maxValueBytes("18446744073709551615"); // 20
 * ```
 */
export function maxValueBytes(value: number | string): number {
  return typeof value === "number" ? MAX_NUMBER_CHARS : value.length;
}

/**
 * Writes `value` as {@linkcode valueText} spells it, as ASCII bytes at
 * `buffer[position]`, and returns the position after it. Whole numbers up to
 * 2^32 - 1 take a digit loop; other numbers and strings (which must be ASCII,
 * such as a bigint's decimal digits) are copied character by character.
 * The caller makes sure {@linkcode maxValueBytes} bytes are free.
 *
 * @example
 * ```ts
 * import { writeAsciiValue } from "./ascii_value.ts";
 *
 * const buffer = new Uint8Array(32);
 * const end = writeAsciiValue(buffer, 0, 1024);
 * new TextDecoder().decode(buffer.subarray(0, end)); // "1024"
 * ```
 */
export function writeAsciiValue(buffer: Uint8Array, position: number, value: number | string): number {
  // -0 passes the integer test but is spelled with its sign.
  if (typeof value === "number" && (value >>> 0) === value && (value !== 0 || 1 / value > 0)) {
    return writeUint32(buffer, position, value);
  }
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
