/**
 * Meter ids: a name plus tags, and their SpectatorD spelling.
 *
 * @module
 */

import { defaultLogger, type Logger } from "./logger.ts";
import { OnceSet } from "./_once_set.ts";

/** Every character outside SpectatorD's allowed set, one code point at a time. */
const INVALID_CHARS = /[^\-._A-Za-z0-9~^]/gu;

/** Ids already warned about, shared by every logger so each id warns once. */
const warnedIds = new OnceSet(10_000);

/** What ids whose name is not a non-empty string were given as a name; their meters write nothing. */
const invalidNames = new WeakMap<MeterId, unknown>();

/**
 * Says why the meters of `id` write nothing when its name is not a non-empty string (a line without a name is one
 * SpectatorD rejects), naming what was given; `undefined` for a valid name.
 */
export function invalidNameProblem(id: MeterId): string | undefined {
  if (!invalidNames.has(id)) return undefined;
  return `a meter name must be a non-empty string: received ${describeValue(invalidNames.get(id))}`;
}

/**
 * Replaces every character that SpectatorD does not allow in a name, tag key
 * or tag value with `_`, one per code point, so the result is always ASCII
 * and can never carry a protocol separator.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { sanitize } from "./meter_id.ts";
 *
 * strictEqual(sanitize("a b:c"), "a_b_c");
 * ```
 */
export function sanitize(text: string): string {
  return text.replace(INVALID_CHARS, "_");
}

/**
 * Compares two strings by Unicode code point, the order SpectatorD ids use
 * (plain `<` compares UTF-16 code units, which differs above U+FFFF).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { compareCodePoints } from "./meter_id.ts";
 *
 * deepStrictEqual(["b", "a", "B"].sort(compareCodePoints), ["B", "a", "b"]);
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const unitA = a.charCodeAt(i);
    const unitB = b.charCodeAt(i);
    if (unitA === unitB) continue;
    // When the shared unit before is a high surrogate that either string pairs with this one, the first different
    // code point starts there; else here (a lone surrogate is a code point of its own, as in Python).
    const pairs = i > 0 && isHighSurrogate(a.charCodeAt(i - 1)) && (isLowSurrogate(unitA) || isLowSurrogate(unitB));
    const at = pairs ? i - 1 : i;
    return a.codePointAt(at)! - b.codePointAt(at)!;
  }
  return a.length - b.length;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Turns anything into a string without throwing, for untyped callers. */
export function safeString(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "[unprintable]";
    }
  }
}

/**
 * The text of a tag value: a non-empty string as it is; a finite number, a boolean or a bigint (which untyped
 * JavaScript passes, `{ status: 200 }`) in its `String()` form; `undefined` for anything else, which is dropped.
 */
export function tagValueText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value.length > 0 ? value : undefined;
    case "number":
      return Number.isFinite(value) ? String(value) : undefined;
    case "boolean":
    case "bigint":
      return String(value);
    default:
      return undefined;
  }
}

/** The most characters of one value that a message echoes. */
const ECHO_CHARACTERS = 200;
/** The most tags that a message lists. */
const ECHO_TAGS = 40;
/** A tag key that an object literal writes without quotes. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Shortens `text` for a message: past 200 characters, to its first 200 and its length, so that a huge value cannot
 * make a huge log line.
 */
export function capText(text: string): string {
  if (text.length <= ECHO_CHARACTERS) return text;
  return `${head(text)}... (${text.length} characters)`;
}

/** The first 200 characters of `text`, without splitting a surrogate pair. */
function head(text: string): string {
  return text.slice(0, isHighSurrogate(text.charCodeAt(ECHO_CHARACTERS - 1)) ? ECHO_CHARACTERS - 1 : ECHO_CHARACTERS);
}

/**
 * Shows a value in a message as JavaScript writes it: a string quoted, a bigint with its `n`, anything else as
 * `String()` gives it; shortened past 200 characters (see {@linkcode capText}).
 */
export function describeValue(value: unknown): string {
  if (typeof value === "bigint") return capText(`${value}n`);
  if (typeof value !== "string") return capText(safeString(value));
  if (value.length <= ECHO_CHARACTERS) return JSON.stringify(value);
  return `${JSON.stringify(`${head(value)}...`)} (${value.length} characters)`;
}

/**
 * Shows tags as a JavaScript object literal, `{ status: "200", "nf.app": "x" }`, each value through `show`; with
 * `limit`, at most that many tags.
 */
function formatTags(entries: readonly [string, unknown][], show: (value: unknown) => string, limit = Infinity): string {
  if (entries.length === 0) return "{}";
  const key = (k: string) => IDENTIFIER.test(k) && k.length <= ECHO_CHARACTERS ? k : show(k);
  const parts = entries.slice(0, limit).map(([k, v]) => `${key(k)}: ${show(v)}`);
  if (entries.length > limit) parts.push(`... (${entries.length} tags)`);
  return `{ ${parts.join(", ")} }`;
}

/** Shows a string exactly, quoted as JavaScript writes it, and anything else as `String()` gives it. */
function exactValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : safeString(value);
}

/**
 * Shows tags in a message: a JavaScript object literal of at most 40 tags, each shortened past 200 characters.
 */
export function describeTags(tags: Readonly<Record<string, unknown>>): string {
  return formatTags(Object.entries(tags), describeValue, ECHO_TAGS);
}

/** Shows an id in a message, as {@linkcode MeterId.toString} does but with huge names and tags shortened. */
export function describeMeterId(id: MeterId): string {
  return `MeterId(name=${capText(id.name())}, tags=${describeTags(id.tags())})`;
}

/** Options for {@linkcode MeterId}. */
export interface MeterIdOptions {
  /** Receives the warning about dropped tags; the default logger otherwise. */
  logger?: Logger;
}

/**
 * The name and tags that identify a meter. A tag value that is a finite
 * number, a boolean or a bigint is kept in its `String()` form; other tags
 * whose key or value is not a non-empty string are dropped with a warning
 * (once per distinct id). Ids are
 * immutable: `withTag` and `withTags` return new ids.
 *
 * Prefer {@linkcode Registry.newId}, which also applies the common tags.
 *
 * @example Build an id and read its SpectatorD spelling
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { MeterId } from "@spectator/client";
 *
 * const id = new MeterId("server.requestCount", { status: "200", method: "GET" });
 * strictEqual(id.spectatordId, "server.requestCount,method=GET,status=200");
 * deepStrictEqual(id.withTag("status", "500").tags(), { status: "500", method: "GET" });
 * ```
 */
export class MeterId {
  readonly #name: string;
  readonly #tags: Readonly<Record<string, string>>;
  readonly #options: MeterIdOptions;
  /** The id as SpectatorD reads it: the sanitized name, then `,key=value` per tag sorted by key. */
  readonly spectatordId: string;

  /**
   * Creates an id; invalid tags are dropped with a warning.
   *
   * @param name the meter name, e.g. `server.requestCount`
   * @param tags dimensions of the meter, e.g. `{ status: "200" }`
   * @param options where warnings about invalid tags go
   */
  constructor(name: string, tags: Record<string, string> = {}, options: MeterIdOptions = {}) {
    this.#name = typeof name === "string" ? name : "";
    if (this.#name === "") invalidNames.set(this, name);
    this.#options = options;
    this.#tags = validTags(this.#name, tags, options.logger);
    this.spectatordId = toSpectatordId(this.#name, this.#tags);
  }

  /** Returns the name as given; `""` for a name that is not a string. */
  name(): string {
    return this.#name;
  }

  /** Returns a copy of the valid tags. */
  tags(): Record<string, string> {
    return { ...this.#tags };
  }

  /** Returns a new id with `key` set to `value`. */
  withTag(key: string, value: string): MeterId {
    return new MeterId(this.#givenName(), { ...this.#tags, [key]: value }, this.#options);
  }

  /** Returns a new id with `tags` added, overriding tags of the same key; this id when `tags` is empty. */
  withTags(tags: Record<string, string>): MeterId {
    if (Object.keys(tags).length === 0) return this;
    return new MeterId(this.#givenName(), { ...this.#tags, ...tags }, this.#options);
  }

  /** The name as given, so that an id derived from one with an invalid name reports what was given. */
  #givenName(): string {
    return invalidNames.has(this) ? invalidNames.get(this) as string : this.#name;
  }

  /** Returns whether `other` is a `MeterId` with the same name and tags, in any order. */
  equals(other: unknown): boolean {
    if (!(other instanceof MeterId)) return false;
    if (this.#name !== other.#name) return false;
    const mine = Object.keys(this.#tags);
    if (mine.length !== Object.keys(other.#tags).length) return false;
    return mine.every((k) => Object.hasOwn(other.#tags, k) && other.#tags[k] === this.#tags[k]);
  }

  /** Returns the id as spectator-py prints it, with the tags as a JavaScript object: `MeterId(name=foo, tags={ a: "1" })`. */
  toString(): string {
    return `MeterId(name=${this.#name}, tags=${formatTags(Object.entries(this.#tags), exactValue)})`;
  }
}

/** Keeps the tags with a non-empty key and a value {@linkcode tagValueText} accepts, warning about the rest. */
function validTags(name: string, tags: unknown, logger?: Logger): Record<string, string> {
  // No prototype: a tag named __proto__ is a tag like any other.
  const valid: Record<string, string> = Object.create(null);
  // No tags: undefined, or null (spectator-py's None), quietly.
  if (tags === undefined || tags === null) return valid;
  if (typeof tags !== "object") {
    warnInvalidTags(name, describeValue(tags), valid, logger);
    return valid;
  }
  let entries: [string, unknown][];
  try {
    entries = Object.entries(tags);
  } catch {
    warnInvalidTags(name, "<tags that cannot be read>", valid, logger);
    return valid;
  }
  let dropped = false;
  for (const [k, v] of entries) {
    const text = tagValueText(v);
    if (k.length > 0 && text !== undefined) valid[k] = text;
    else dropped = true;
  }
  if (dropped) warnInvalidTags(name, formatTags(entries, describeValue, ECHO_TAGS), valid, logger);
  return valid;
}

function warnInvalidTags(name: string, given: string, valid: Record<string, string>, logger: Logger | undefined): void {
  const shownName = capText(name);
  if (!warnedIds.first(`${shownName}|${given}`)) return;
  try {
    (logger ?? defaultLogger()).warn(
      `spectator.meter.meter_id: MeterId(name=${shownName}, tags=${given}) is invalid due to tag keys ` +
        `or values which are not strings or are zero-length strings; proceeding with truncated tags ` +
        `MeterId(name=${shownName}, tags=${describeTags(valid)})`,
    );
  } catch {
    // A logger of the user's own that throws: making the id must not fail for it.
  }
}

function toSpectatordId(name: string, tags: Readonly<Record<string, string>>): string {
  let id = sanitize(name);
  for (const key of Object.keys(tags).sort(compareCodePoints)) {
    id += `,${sanitize(key)}=${sanitize(tags[key])}`;
  }
  return id;
}
