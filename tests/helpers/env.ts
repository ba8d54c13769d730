/**
 * Setting and restoring environment variables around a test, through
 * `process.env`, which Deno, Bun and Node all provide.
 *
 * @module
 */

import process from "node:process";

/** The variables the library reads; {@linkcode withEnv} clears them unless told otherwise. */
export const SPECTATOR_VARIABLES = [
  "SPECTATOR_OUTPUT_LOCATION",
  "TITUS_CONTAINER_NAME",
  "NETFLIX_PROCESS_NAME",
] as const;

/** The variables that make a child process's environment the same clean slate. */
export const CLEAN_SPECTATOR_ENV: Readonly<Record<string, undefined>> = Object.fromEntries(
  SPECTATOR_VARIABLES.map((name) => [name, undefined]),
);

/**
 * Runs `fn` synchronously with the library's variables cleared and `vars`
 * applied (`undefined` removes a variable), then restores the environment.
 *
 * @param vars the variables to set for the duration of `fn`
 * @param fn the code to run
 * @returns what `fn` returned
 */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const changes: Record<string, string | undefined> = { ...CLEAN_SPECTATOR_ENV, ...vars };
  const saved = Object.keys(changes).map((name) => [name, process.env[name]] as const);
  try {
    apply(changes);
    return fn();
  } finally {
    apply(Object.fromEntries(saved));
  }
}

function apply(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
