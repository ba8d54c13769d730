/**
 * The meters' fast path into a writer: a line handed over as a prefix
 * encoded once per meter plus a value, so that an update builds no string.
 * A writer that has one offers it here (the LineWriter does); a meter looks
 * it up once, when it is built, and otherwise calls `write(prefix + value)`.
 *
 * @module
 */

import type { Writer } from "./writer.ts";

/** A meter's line prefix `<symbol>:<id>:`, as text and as ASCII bytes. */
export interface EncodedPrefix {
  /** The prefix as text. */
  readonly text: string;
  /** The prefix as ASCII bytes (ids are sanitized, so always ASCII). */
  readonly bytes: Uint8Array;
}

/** Writes the line `prefix.text + value`, exactly as `write()` of that line would. */
export type ValuePath = (prefix: EncodedPrefix, value: number | string) => void;

const paths = new WeakMap<Writer, ValuePath>();

/**
 * Encodes a line prefix once.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { encodePrefix } from "./_value_path.ts";
 *
 * const prefix = encodePrefix("c:server.requestCount:");
 * strictEqual(prefix.bytes.length, 22);
 * ```
 */
export function encodePrefix(text: string): EncodedPrefix {
  return { text, bytes: new TextEncoder().encode(text) };
}

/**
 * Gives `writer` a fast path, used by meters built over it from now on.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { NoopWriter } from "../../mod.ts";
 * import { encodePrefix, offerValuePath, valuePath } from "./_value_path.ts";
 *
 * const lines: string[] = [];
 * const writer = new NoopWriter();
 * offerValuePath(writer, (prefix, value) => void lines.push(prefix.text + value));
 * valuePath(writer)?.(encodePrefix("c:a:"), 1);
 * strictEqual(lines[0], "c:a:1");
 * ```
 */
export function offerValuePath(writer: Writer, path: ValuePath): void {
  paths.set(writer, path);
}

/**
 * Returns the fast path `writer` offers, if any.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryWriter } from "../../mod.ts";
 * import { valuePath } from "./_value_path.ts";
 *
 * strictEqual(valuePath(new MemoryWriter()), undefined); // meters call write(prefix + value)
 * ```
 */
export function valuePath(writer: Writer): ValuePath | undefined {
  return paths.get(writer);
}
