/**
 * Options `Config` does not know: the spelling it expects for spectator-py's
 * and spectator-js's, or the nearest for a likely typo.
 *
 * @module
 */

import { describeValue } from "./meter_id.ts";

/** What to say of the spectator-py and spectator-js options whose snake_case spelling is not one of ours. */
const FOREIGN_OPTIONS: Readonly<Record<string, string>> = {
  buffer_size_bytes: "it is spelled bufferSize here",
  is_global: "use GlobalRegistry for the global registry",
};

/**
 * Throws a `TypeError` for the first option of `options` that is not one of `known`, saying what was meant.
 *
 * @param options the options given to `Config`
 * @param known the names of every option `Config` takes
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkOptionNames } from "./_option_names.ts";
 *
 * throws(() => checkOptionNames({ buffer_size: 0 }, ["bufferSize"]), /it is spelled bufferSize here/);
 * ```
 */
export function checkOptionNames(options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    throw new TypeError(
      `Cannot create Config: unknown option ${describeValue(name)}: ${unknownOptionHint(name, known)}`,
    );
  }
}

/**
 * The spelling expected for an unknown option: ours for a snake_case one (spectator-py's and spectator-js's), the
 * nearest for a likely typo, else the list of options.
 */
function unknownOptionHint(name: string, options: readonly string[]): string {
  if (Object.hasOwn(FOREIGN_OPTIONS, name)) return FOREIGN_OPTIONS[name];
  const fold = (text: string) => text.replaceAll("_", "").toLowerCase();
  const same = options.find((option) => fold(option) === fold(name));
  if (same !== undefined && name.includes("_")) return `it is spelled ${same} here`;
  const typos = Math.min(2, Math.floor(name.length / 3));
  const near = same ?? options.find((option) => editDistance(option.toLowerCase(), name.toLowerCase()) <= typos);
  if (near !== undefined) return `did you mean ${near}?`;
  return `the options are ${options.slice(0, -1).join(", ")} and ${options.at(-1)}`;
}

/** The number of single-character insertions, deletions and substitutions that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
