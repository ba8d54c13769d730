/**
 * How configuration errors show the value they received, for asserting on
 * their messages.
 *
 * @module
 */

/** A received location as error messages show it: a string quoted, anything else with its type. */
export function received(location: unknown): string {
  if (typeof location === "string") return JSON.stringify(location);
  return `${typeof location === "bigint" ? `${location}n` : String(location)} (${typeof location})`;
}
