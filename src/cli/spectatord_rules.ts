/**
 * SpectatorD's rules for one protocol line, restated from its parser
 * (`Server::parse_line` and `get_measurement` in Netflix-Skunkworks/spectatord,
 * `server/spectatord.cc`), so tests can check that every line a meter writes
 * is one the agent accepts, and the local agent stand-in CLI can report the
 * lines the agent would reject. What the agent does:
 *
 * - a datagram is split into lines at `\n`; a NUL ends the datagram (C string);
 * - the first character is the meter type;
 * - an optional `,` is followed by a number read with `strtoll(.., 10)`; a
 *   gauge rejects it unless it is above zero (other types ignore it);
 * - then a `:`, the name up to the first `,` or `:` (empty: "Missing name");
 * - after each `,` a tag `key=value`, the value ending at the next `,` or `:`;
 * - after the `:` the value, read with `strtod`; characters left after it only
 *   give a warning, but the value read is then not what was meant.
 *
 * These rules are deliberately a little stricter than the agent where the
 * agent is lenient about input no client should send: the option is allowed
 * only for `g`, and must be plain digits; tag keys and values must be
 * non-empty; the whole value must be consumed. `U` values must be an
 * unsigned 64-bit decimal.
 *
 * @module
 */

/**
 * The meter types a client may write (SpectatorD also knows `X`, which no client exposes).
 *
 * @example
 * ```ts
 * import { SPECTATORD_SYMBOLS } from "./spectatord_rules.ts";
 *
 * SPECTATORD_SYMBOLS.has("c"); // true
 * ```
 */
export const SPECTATORD_SYMBOLS: ReadonlySet<string> = new Set(["c", "d", "t", "g", "m", "C", "D", "T", "A", "U"]);

/**
 * What C's `strtod` accepts as a whole string: leading white space, a sign,
 * then a decimal or hexadecimal floating-point number, `inf`/`infinity` or
 * `nan`/`nan(chars)`, case-insensitively.
 */
const STRTOD = new RegExp(
  "^[ \\t\\n\\v\\f\\r]*[+-]?(?:" +
    "(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:e[+-]?[0-9]+)?" +
    "|0x(?:[0-9a-f]+\\.?[0-9a-f]*|\\.[0-9a-f]+)(?:p[+-]?[0-9]+)?" +
    "|inf(?:inity)?" +
    "|nan(?:\\([0-9a-z_]*\\))?" +
    ")$",
  "i",
);

const MAX_INT64 = 2n ** 63n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

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
  return STRTOD.test(text);
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
 * Returns why SpectatorD would reject (or misread) `line`, or `undefined`
 * when it accepts it.
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
 * ```
 */
export function spectatordProblem(line: string): string | undefined {
  if (line.length === 0) return "the line is empty";
  if (/[\n\0]/.test(line)) return "the line contains a newline or a NUL, which end it early";
  const symbol = line[0];
  if (!SPECTATORD_SYMBOLS.has(symbol)) return `unknown meter type ${JSON.stringify(symbol)}`;
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
