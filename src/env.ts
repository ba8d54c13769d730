/**
 * Reading environment variables on every runtime without ever throwing or
 * prompting.
 *
 * @module
 */

import { isGranted } from "./permissions.ts";
import { detectRuntime } from "./runtime.ts";

/** What {@linkcode readEnv} reports when Deno denies access to a variable. */
export type EnvDenied = (variable: string) => void;

/**
 * Returns the environment variable `name`, or `undefined` when it is unset or
 * cannot be read (Deno without `--allow-env`, in which case `onDenied` is told).
 */
export function readEnv(name: string, onDenied?: EnvDenied): string | undefined {
  if (detectRuntime() === "deno") {
    if (!isGranted({ name: "env", variable: name })) {
      onDenied?.(name);
      return undefined;
    }
    return Deno.env.get(name);
  }
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name];
}
