/**
 * What a client may write, for tests: stricter than SpectatorD's parser
 * (`parseSpectatordLine` in `src/cli/spectatord_rules.ts`, which the local
 * agent stand-in uses), {@linkcode spectatordProblem} also reports what
 * SpectatorD accepts only by being lenient and no client should write: an
 * option on a type other than `g`, a tag that is not `key=value` with a
 * non-empty key and value, characters after the value, a `U` value that is
 * not an unsigned 64-bit decimal. Tests use it to check every line a meter
 * writes.
 *
 * @module
 */

import {
  KNOWN_SYMBOLS,
  MAX_INT64,
  MAX_UINT64,
  SPECTATORD_SYMBOLS,
  STRTOD_PREFIX,
} from "../../src/cli/_spectatord_rules.ts";

export { SPECTATORD_SYMBOLS };

/**
 * Returns whether `text`, all of it, is a number to C's `strtod`.
 *
 * @param text the value part of a line
 * @returns `true` when `strtod` would consume all of it
 *
 * @example
 * ```ts
 * import { isStrtodNumber } from "./spectatord_rules.ts";
 *
 * isStrtodNumber("1e-7"); // true
 * isStrtodNumber("1,5"); // false
 * ```
 */
export function isStrtodNumber(text: string): boolean {
  return STRTOD_PREFIX.exec(text)?.[0].length === text.length;
}

/**
 * Returns whether `text` is an unsigned 64-bit decimal integer.
 *
 * @param text the value part of a `U` line
 * @returns `true` for `0` to `18446744073709551615`
 *
 * @example
 * ```ts
 * import { isUint64 } from "./spectatord_rules.ts";
 *
 * isUint64("18446744073709551615"); // true
 * isUint64("-1"); // false
 * ```
 */
export function isUint64(text: string): boolean {
  return /^[0-9]+$/.test(text) && BigInt(text) <= MAX_UINT64;
}

/**
 * Returns why a client should not write `line`: SpectatorD rejects it, or
 * reads it only by being lenient (see the module doc); `undefined` when the
 * line is one a client may write.
 *
 * @param line one line, without its `\n`
 * @returns the reason, or `undefined`
 *
 * @example
 * ```ts
 * import { spectatordProblem } from "./spectatord_rules.ts";
 *
 * spectatordProblem("c:server.requestCount:1"); // undefined
 * spectatordProblem("x:name:1"); // 'unknown meter type "x"'
 * spectatordProblem("c:name:1 "); // 'value "1 " is not a number to strtod' (SpectatorD reads 1)
 * ```
 */
export function spectatordProblem(line: string): string | undefined {
  if (line.length === 0) return "the line is empty";
  if (/[\n\0]/.test(line)) return "the line contains a newline or a NUL, which end it early";
  const symbol = line[0];
  if (!KNOWN_SYMBOLS.has(symbol)) return `unknown meter type ${JSON.stringify(symbol)}`;
  if (!SPECTATORD_SYMBOLS.has(symbol)) return `meter type ${symbol} is not one a client writes`;
  let position = 1;
  if (line[position] === ",") {
    if (symbol !== "g") return `an option after ${symbol}: only gauges take one (a TTL)`;
    const digits = /^[0-9]+/.exec(line.slice(position + 1))?.[0] ?? "";
    if (digits === "" || BigInt(digits) === 0n || BigInt(digits) > MAX_INT64) {
      return "the gauge TTL is not an integer from 1 to 2^63 - 1";
    }
    position += 1 + digits.length;
  }
  if (line[position] !== ":") return `expected ':' at index ${position}`;
  const rest = line.slice(position + 1);
  const idEnd = rest.indexOf(":");
  if (idEnd < 0) return "no ':' before the value";
  const [name, ...tags] = rest.slice(0, idEnd).split(",");
  if (name === "") return "the name is empty";
  for (const tag of tags) {
    const equals = tag.indexOf("=");
    if (equals <= 0 || equals === tag.length - 1 || tag.indexOf("=", equals + 1) >= 0) {
      return `tag ${JSON.stringify(tag)} is not key=value with a non-empty key and value`;
    }
  }
  const value = rest.slice(idEnd + 1);
  if (symbol === "U") {
    return isUint64(value) ? undefined : `value ${JSON.stringify(value)} is not an unsigned 64-bit integer`;
  }
  return isStrtodNumber(value) ? undefined : `value ${JSON.stringify(value)} is not a number to strtod`;
}
