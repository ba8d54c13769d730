/**
 * The meters' fast paths into a writer: a line handed over as a prefix
 * encoded once per meter plus a value, so that an update builds no string,
 * and the writer's fold table, which combines the updates of one id until
 * lines leave. A writer that has them offers them here (the LineWriter
 * does); a meter looks them up once, when it is built, and otherwise calls
 * `write(prefix + value)` for every update.
 *
 * @module
 */

import type { FoldTable } from "../_fold_table.ts";
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

/** What a writer offers its meters. */
interface Paths {
  readonly value: ValuePath;
  readonly fold: FoldTable | undefined;
}

const paths = new WeakMap<Writer, Paths>();

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
 * Gives `writer` a fast path, and the fold table its meters update instead
 * when their values combine, used by meters built over it from now on.
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
export function offerValuePath(writer: Writer, path: ValuePath, fold?: FoldTable): void {
  paths.set(writer, { value: path, fold });
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
  return paths.get(writer)?.value;
}

/**
 * Returns the fold table `writer` offers, if any: the LineWriter's, unless
 * it was made with `fold: false`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryWriter } from "../../mod.ts";
 * import { foldTable } from "./_value_path.ts";
 *
 * strictEqual(foldTable(new MemoryWriter()), undefined); // one line per update
 * ```
 */
export function foldTable(writer: Writer): FoldTable | undefined {
  return paths.get(writer)?.fold;
}
