/**
 * How configuration errors show the value they received, for asserting on
 * their messages.
 *
 * @module
 */

/** A received location as error messages show it: a string quoted, anything else with its type. */
export function received(location: unknown): string {
  return typeof location === "string" ? JSON.stringify(location) : `${String(location)} (${typeof location})`;
}
