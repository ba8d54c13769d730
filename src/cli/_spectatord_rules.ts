/**
 * SpectatorD's rules for one protocol line, restated from its parser
 * (`Server::parse_line` and `get_measurement` in `server/spectatord.cc` of
 * Netflix-Skunkworks/spectatord, commit 429cd8d, whose source archive is in
 * `third_party/spectatord/`; the "real spectatord" test tier checks the
 * stand-in against that agent).
 *
 * {@linkcode parseSpectatordLine} reads a line as SpectatorD does; the local
 * agent stand-in CLI aggregates what it returns. So:
 *
 * - a datagram is split into lines at `\n`; a NUL ends the datagram (C string);
 * - the first character is the meter's symbol, one of `A c C d D g m t T U X`;
 *   any other symbol is rejected once the rest of the line has been read
 *   (so a line that is wrong in both ways is rejected for the rest);
 * - an optional `,` is followed by a number read with `strtoll(.., 10)`; `g`
 *   (a TTL in seconds) and `X` (a timestamp in epoch milliseconds) reject it
 *   unless it is above zero, other types ignore it;
 * - then a `:`, the name up to the first `,` or `:` (empty: "Missing name");
 * - after each `,` a tag: the key up to the next `=` (even past a `:`), the
 *   value up to the next `,` or `:`; a segment without `=` ends the tags;
 * - the value, read with `strtod` (`U`: `strtoull`, so negative values roll
 *   over and fractions are cut); characters left after it give only a
 *   warning in SpectatorD's log, and none when the first is white space;
 * - every byte of the name, tag keys and tag values outside `-._A-Za-z0-9~^`
 *   becomes `_` (the string pool's interning), and the tags are a map sorted
 *   by key where a repeated key's last value wins.
 *
 * The tests hold a stricter checker of what a client may write
 * (`tests/helpers/spectatord_rules.ts`), built on the constants exported here.
 *
 * @module
 */

/**
 * The meter types a client may write (SpectatorD also knows `X`, which no client exposes).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { SPECTATORD_SYMBOLS } from "./_spectatord_rules.ts";
 *
 * strictEqual(SPECTATORD_SYMBOLS.has("c"), true);
 * ```
 */
export const SPECTATORD_SYMBOLS: ReadonlySet<string> = new Set(["c", "d", "t", "g", "m", "C", "D", "T", "A", "U"]);

/**
 * The longest start of a string that C's `strtod` reads: leading white
 * space, a sign, then a decimal or hexadecimal floating-point number,
 * `inf`/`infinity` or `nan`/`nan(chars)`, case-insensitively.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { STRTOD_PREFIX } from "./_spectatord_rules.ts";
 *
 * strictEqual(STRTOD_PREFIX.exec("0x1p-2 rest")?.[0], "0x1p-2");
 * ```
 */
export const STRTOD_PREFIX: RegExp = new RegExp(
  "^[ \\t\\n\\v\\f\\r]*[+-]?(?:" +
    "0x(?:[0-9a-f]+\\.?[0-9a-f]*|\\.[0-9a-f]+)(?:p[+-]?[0-9]+)?" +
    "|(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:e[+-]?[0-9]+)?" +
    "|inf(?:inity)?" +
    "|nan(?:\\([0-9a-z_]*\\))?" +
    ")",
  "i",
);

/** The longest start of a string that C's `strtoull(.., 10)` and `strtoll(.., 10)` read. */
const STRTOULL_PREFIX = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/;

/** What SpectatorD accepts in names, tag keys and tag values; every other byte becomes `_`. */
const INVALID_CHAR = /[^\-._A-Za-z0-9~^]/gu;

/**
 * The meter types SpectatorD accepts (`X`, which no client exposes and SpectatorD records nowhere, included).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { KNOWN_SYMBOLS } from "./_spectatord_rules.ts";
 *
 * strictEqual(KNOWN_SYMBOLS.has("X"), true);
 * ```
 */
export const KNOWN_SYMBOLS: ReadonlySet<string> = new Set([...SPECTATORD_SYMBOLS, "X"]);

/**
 * The largest signed 64-bit integer (`strtoll`'s clamp).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MAX_INT64 } from "./_spectatord_rules.ts";
 *
 * strictEqual(MAX_INT64, 9223372036854775807n);
 * ```
 */
export const MAX_INT64: bigint = 2n ** 63n - 1n;
/**
 * The largest unsigned 64-bit integer (`strtoull`'s clamp).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MAX_UINT64 } from "./_spectatord_rules.ts";
 *
 * strictEqual(MAX_UINT64, 18446744073709551615n);
 * ```
 */
export const MAX_UINT64: bigint = 2n ** 64n - 1n;
const TWO_TO_64 = 2n ** 64n;

/** A line as SpectatorD reads it. */
export interface SpectatordLine {
  /** The symbol, e.g. `c`. */
  symbol: string;
  /** The number after `<type>,`: a gauge's TTL in seconds, an `X` sample's epoch milliseconds. */
  option?: number;
  /** The name, sanitized. */
  name: string;
  /** The tags, sanitized, sorted by key; a repeated key's last value wins. */
  tags: Record<string, string>;
  /** The id SpectatorD builds: `name,key=value,...`, sanitized, tags sorted by key. */
  id: string;
  /** The value: a `bigint` from 0 to 2^64 - 1 for `U`, else what `strtod` read. */
  value: number | bigint;
  /** What SpectatorD logs as a warning about the line (characters ignored after the value). */
  warning?: string;
}

/**
 * Reads `line` as SpectatorD does, or returns why SpectatorD rejects it.
 *
 * @param line one line, without its `\n`
 * @returns the line as read, or the reason it is rejected
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { parseSpectatordLine } from "./_spectatord_rules.ts";
 *
 * deepStrictEqual(
 *   parseSpectatordLine("c:a b,z=1,k=x=y,z=2:1 "),
 *   { symbol: "c", name: "a_b", tags: { k: "x_y", z: "2" }, id: "a_b,k=x_y,z=2", value: 1 },
 * );
 * strictEqual((parseSpectatordLine("U:bytes:-1") as { value: bigint }).value, 18446744073709551615n);
 * strictEqual((parseSpectatordLine("c:n:1,5") as { warning?: string }).warning, 'ignoring ",5" after the value 1');
 * strictEqual(parseSpectatordLine("g,0:queue:1"), "the gauge TTL is not above zero");
 * ```
 */
export function parseSpectatordLine(line: string): SpectatordLine | string {
  if (line.length === 0) return "the line is empty";
  const symbol = line[0];
  let position = 1;
  let option: number | undefined;
  if (line[position] === ",") {
    position++;
    const read = STRTOULL_PREFIX.exec(line.slice(position));
    const magnitude = read === null ? 0n : BigInt(read[2]);
    const signed = read?.[1] === "-" ? -magnitude : magnitude;
    const clamped = signed > MAX_INT64 ? MAX_INT64 : signed < -MAX_INT64 - 1n ? -MAX_INT64 - 1n : signed;
    if (clamped <= 0n && symbol === "g") return "the gauge TTL is not above zero";
    if (clamped <= 0n && symbol === "X") return "the X timestamp is not above zero";
    if (clamped > 0n) option = Number(clamped);
    position += read?.[0].length ?? 0;
  }
  if (line[position] !== ":") return `expected ':' at index ${position}`;
  const measurement = readMeasurement(symbol, option, line.slice(position + 1));
  if (typeof measurement === "string" || KNOWN_SYMBOLS.has(symbol)) return measurement;
  return `unknown meter type ${JSON.stringify(symbol)}`;
}

/** SpectatorD's `get_measurement`: the id and value after `<type>[,option]:`. */
function readMeasurement(symbol: string, option: number | undefined, text: string): SpectatordLine | string {
  let position = firstOf(text, 0);
  if (position <= 0) return "the name is empty";
  const name = sanitizeBytes(text.slice(0, position));
  const tags = new Map<string, string>();
  if (text[position] === ",") {
    while (text[position] !== ":") {
      position++;
      const equals = text.indexOf("=", position);
      if (equals < 0) break;
      const end = firstOf(text, equals + 1);
      if (end < 0) return "a tag value has no ',' or ':' after it";
      tags.set(sanitizeBytes(text.slice(position, equals)), sanitizeBytes(text.slice(equals + 1, end)));
      position = end;
    }
  }
  const valueText = text.slice(position + 1);
  const read = symbol === "U" ? readUint64(valueText) : readStrtod(valueText);
  if (read === undefined) {
    return `value ${JSON.stringify(valueText)} is not a number to ${symbol === "U" ? "strtoull" : "strtod"}`;
  }
  const sorted = [...tags].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  const parsed: SpectatordLine = {
    symbol,
    name,
    tags: Object.fromEntries(sorted),
    id: [name, ...sorted.map(([k, v]) => `${k}=${v}`)].join(","),
    value: read.value,
  };
  if (option !== undefined) parsed.option = option;
  const rest = valueText.slice(read.length);
  if (rest !== "" && !/^[ \t\n\v\f\r]/.test(rest)) {
    parsed.warning = `ignoring ${JSON.stringify(rest)} after the value ${String(read.value)}`;
  }
  return parsed;
}

/** The index of the first `,` or `:` at or after `from`, or -1. */
function firstOf(text: string, from: number): number {
  for (let i = from; i < text.length; i++) if (text[i] === "," || text[i] === ":") return i;
  return -1;
}

/** Replaces each UTF-8 byte of each character SpectatorD does not allow with `_`, as its string pool does. */
function sanitizeBytes(text: string): string {
  return text.replace(INVALID_CHAR, (char) => {
    const code = char.codePointAt(0)!;
    return "_".repeat(code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4);
  });
}

/** What `strtoull(.., 10)` reads from the start of `text`: negative values roll over, too large ones clamp. */
function readUint64(text: string): { value: bigint; length: number } | undefined {
  const read = STRTOULL_PREFIX.exec(text);
  if (read === null) return undefined;
  const magnitude = BigInt(read[2]);
  if (magnitude > MAX_UINT64) return { value: MAX_UINT64, length: read[0].length };
  return { value: read[1] === "-" ? (TWO_TO_64 - magnitude) % TWO_TO_64 : magnitude, length: read[0].length };
}

/** What `strtod` reads from the start of `text`. */
function readStrtod(text: string): { value: number; length: number } | undefined {
  const read = STRTOD_PREFIX.exec(text)?.[0];
  if (read === undefined) return undefined;
  const trimmed = read.trim();
  const negative = trimmed.startsWith("-");
  const unsigned = trimmed.replace(/^[+-]/, "");
  let value: number;
  if (/^0x/i.test(unsigned)) {
    const [mantissa, exponent = "0"] = unsigned.slice(2).split(/p/i);
    const [whole, fraction = ""] = mantissa.split(".");
    value = 0;
    for (const digit of whole + fraction) value = value * 16 + parseInt(digit, 16);
    if (value !== 0) value *= 2 ** (Number(exponent) - 4 * fraction.length);
  } else if (/^nan/i.test(unsigned)) value = NaN;
  else if (/^inf/i.test(unsigned)) value = Infinity;
  else value = Number(unsigned);
  return { value: negative ? -value : value, length: read.length };
}
