/**
 * Command-line options of the bench scripts: `--name value` pairs.
 *
 * @module
 */

import process from "node:process";

/** Returns the value after `--name`, or `undefined` when the option is absent. */
export function argument(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : undefined;
}

/**
 * Returns the integer after `--name`, or `fallback` when absent; throws a
 * `RangeError` naming `script`, the option and the allowed range otherwise.
 */
export function integerArgument(script: string, name: string, fallback: number, min: number, max: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${script}: --${name} must be an integer from ${min} to ${max}: received ${text}`);
  }
  return value;
}
