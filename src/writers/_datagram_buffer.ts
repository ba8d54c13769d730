/**
 * The datagram buffer of the LineWriter: it packs lines into the open
 * datagram and bounds the bytes accepted but not yet delivered. A line is
 * always a prefix and a value, whether a meter wrote it (`c:requests:` and
 * `1`) or a caller passed a whole line (no prefix, the line as the value):
 * one append path for both.
 *
 * @module
 */

import { MAX_NUMBER_CHARS, valueText, writeAsciiValue } from "./_ascii_value.ts";

/** A sealed datagram: its bytes and how many lines they hold. */
export interface Datagram {
  /** The lines joined with `\n`. */
  readonly bytes: Uint8Array;
  /** How many lines. */
  readonly lines: number;
}

/**
 * What became of a line: `ok` (appended), `full` (it does not fit in the
 * open datagram but would in an empty one), `over` (it would pass the
 * pending bound) or `too long` (it fits in no datagram).
 */
export type Appended = "ok" | "full" | "over" | "too long";

const encoder = new TextEncoder();
/** The longest text copied character by character; a longer one is encoded natively. */
const SHORT_TEXT = 32;

/**
 * Packs lines, joined with `\n`, into a datagram of at most `capacity`
 * bytes, never splitting one, and counts the bytes accepted and not yet
 * released (sent or dropped), refusing a line that would take them past
 * `maxPendingBytes`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { DatagramBuffer } from "./_datagram_buffer.ts";
 *
 * const buffer = new DatagramBuffer(16, 1024);
 * const prefix = new TextEncoder().encode("c:a:");
 * strictEqual(buffer.append(prefix, 1), "ok");
 * strictEqual(buffer.append(prefix, 20), "ok");
 * strictEqual(buffer.append(prefix, 300), "full");
 * const { bytes, lines } = buffer.seal();
 * deepStrictEqual([new TextDecoder().decode(bytes), lines], ["c:a:1\nc:a:20", 2]);
 * strictEqual(buffer.pendingBytes, 12);
 * ```
 */
export class DatagramBuffer {
  readonly #capacity: number;
  readonly #maxPendingBytes: number;
  /** The open datagram's memory: reused after a copy or a synchronous send, replaced when a send keeps it. */
  #bytes: Uint8Array | undefined;
  #length = 0;
  #lines = 0;
  #pendingBytes = 0;
  /** Whether lines past maxPendingBytes are refused; off while lines bounded otherwise are written. */
  bounded = true;

  /**
   * @param capacity the largest datagram, in bytes
   * @param maxPendingBytes the most bytes accepted and not yet released
   */
  constructor(capacity: number, maxPendingBytes: number) {
    this.#capacity = capacity;
    this.#maxPendingBytes = maxPendingBytes;
  }

  /** The open datagram's size in bytes. */
  get length(): number {
    return this.#length;
  }

  /** Bytes accepted and not yet released: the open datagram and every one on its way. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Appends the line `prefix + value` to the open datagram. A number is
   * written as `valueText(value)` spells it (`String(value)`, -0 with its sign); a string as UTF-8.
   *
   * @param prefix the line's first bytes, e.g. a meter's `c:requests:`; empty for a whole line
   * @param value the rest of the line
   * @returns what became of the line; only `ok` changes the buffer
   */
  append(prefix: Uint8Array, value: number | string): Appended {
    const bytes = this.#bytes;
    const length = this.#length;
    const start = length === 0 ? 0 : length + 1;
    const position = start + prefix.length;
    // The common case stays small: a number far from the end of the datagram.
    if (typeof value !== "number" || bytes === undefined || position + MAX_NUMBER_CHARS > this.#capacity) {
      return this.#appendExactly(prefix, value);
    }
    bytes.set(prefix, start);
    return this.#commit(bytes, length, writeAsciiValue(bytes, position, value));
  }

  /** {@linkcode append} for the rest: a string, a new buffer, or a line near the end of the datagram. */
  #appendExactly(prefix: Uint8Array, value: number | string): Appended {
    const bytes = this.#bytes ??= new Uint8Array(this.#capacity);
    const length = this.#length;
    const end = writeLine(bytes, length === 0 ? 0 : length + 1, prefix, value);
    if (end >= 0) return this.#commit(bytes, length, end);
    // A line that fits in no datagram (each UTF-16 unit takes a byte or more) leaves the open one alone.
    const least = prefix.length + valueText(value).length;
    return length === 0 || least > this.#capacity ? "too long" : "full";
  }

  /** Takes the line written from `length` (after its separator) to `end`, unless it passes the pending bound. */
  #commit(bytes: Uint8Array, length: number, end: number): Appended {
    const added = end - length;
    if (this.#pendingBytes + added > this.#maxPendingBytes && this.bounded) return "over";
    if (length > 0) bytes[length] = 0x0a;
    this.#length = end;
    this.#lines++;
    this.#pendingBytes += added;
    return "ok";
  }

  /**
   * Empties the open datagram and returns it as a view of the buffer, for a
   * send that is done with the bytes when it returns. If the send keeps
   * them instead, call {@linkcode detach}.
   */
  take(): Datagram {
    const datagram = { bytes: this.#bytes!.subarray(0, this.#length), lines: this.#lines };
    this.#length = 0;
    this.#lines = 0;
    return datagram;
  }

  /** Leaves the memory of the last {@linkcode take} to its receiver: the next line starts a new buffer. */
  detach(): void {
    this.#bytes = undefined;
  }

  /** Empties the open datagram and returns a copy of it, which holds only its own bytes. */
  seal(): Datagram {
    const datagram = { bytes: this.#bytes!.slice(0, this.#length), lines: this.#lines };
    this.#length = 0;
    this.#lines = 0;
    return datagram;
  }

  /** Stops counting `bytes` toward the bound: a datagram of that size was sent or dropped. */
  release(bytes: number): void {
    this.#pendingBytes -= bytes;
  }
}

/**
 * Writes `prefix` and `value` at `bytes[start]` and returns the position
 * after them, or -1 when they do not fit before the end of `bytes`.
 */
function writeLine(bytes: Uint8Array, start: number, prefix: Uint8Array, value: number | string): number {
  const capacity = bytes.length;
  const position = start + prefix.length;
  if (typeof value === "number") {
    // Near the end, measure exactly; elsewhere the longest number fits.
    if (position + MAX_NUMBER_CHARS > capacity && position + valueText(value).length > capacity) return -1;
    bytes.set(prefix, start);
    return writeAsciiValue(bytes, position, value);
  }
  // Each UTF-16 unit takes at least one byte.
  if (position + value.length > capacity) return -1;
  bytes.set(prefix, start);
  if (value.length <= SHORT_TEXT) {
    let i = 0;
    for (; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0x7f) break;
      bytes[position + i] = code;
    }
    if (i === value.length) return position + i;
  }
  const { read, written } = encoder.encodeInto(value, bytes.subarray(position));
  return read < value.length ? -1 : position + written;
}
