/**
 * Checks of numeric and boolean options, shared by `Config` and
 * `LineWriter`: a bad value throws at construction, naming the class, the
 * option, what is allowed and what was given.
 *
 * @module
 */

import { describeValue } from "./meter_id.ts";

/** The checks for the options of one class. */
export interface OptionChecks {
  /** `value` if it is an integer from `min` to `max`; else a `TypeError` (not an integer) or a `RangeError`. */
  integer(name: string, value: unknown, min: number, max: number): number;
  /** `value` if it is a boolean; else a `TypeError`. */
  boolean(name: string, value: unknown): boolean;
}

/**
 * The checks of `owner`'s options; their errors begin `Cannot create <owner>:`.
 *
 * @example
 * ```ts
 * import { strictEqual, throws } from "node:assert/strict";
 * import { optionChecks } from "./_option_checks.ts";
 *
 * const check = optionChecks("LineWriter");
 * strictEqual(check.integer("bufferSize", 0, 0, 10), 0);
 * throws(() => check.integer("bufferSize", -1, 0, 10), /Cannot create LineWriter: bufferSize must be from 0 to 10/);
 * throws(() => check.boolean("fold", "yes"), /fold must be a boolean: received "yes"/);
 * ```
 */
export function optionChecks(owner: string): OptionChecks {
  return {
    integer(name, value, min, max) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(`Cannot create ${owner}: ${name} must be an integer: received ${describeValue(value)}`);
      }
      if (value < min || value > max) {
        throw new RangeError(`Cannot create ${owner}: ${name} must be from ${min} to ${max}: received ${value}`);
      }
      return value;
    },
    boolean(name, value) {
      if (typeof value === "boolean") return value;
      throw new TypeError(`Cannot create ${owner}: ${name} must be a boolean: received ${describeValue(value)}`);
    },
  };
}
