/**
 * Runs a script from `tests/fixtures/` in a child process on the runtime that
 * runs the tests, and captures what it prints: Deno runs the `.ts` file with
 * `deno run`, Bun runs the `.ts` file, and Node runs the transpiled `.js` twin
 * in `dist/tests/fixtures/`. Deno children start with `Deno.Command`, the
 * others with `node:child_process`.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Options for {@linkcode runFixture}. */
export interface RunFixtureOptions {
  /** Arguments passed to the script (its `process.argv.slice(2)`). */
  args?: string[];
  /**
   * Environment changes over the test process's environment; a variable set
   * to `undefined` is removed from the child's environment.
   */
  env?: Record<string, string | undefined>;
  /** Deno only: the flags between `deno run` and the script; default `["-A"]`. */
  denoFlags?: string[];
  /** Kills the child and rejects after this many milliseconds; default 30000. */
  timeoutMs?: number;
  /**
   * Run `<stem>.ts` from the project's top level (e.g. `cli`) instead of
   * `tests/fixtures/`; Node runs its twin in `dist/`.
   */
  topLevel?: boolean;
  /**
   * Run the child as this user and group instead (through util-linux's
   * `setpriv`; the tests must run as root), e.g. nobody's
   * `{ uid: 65534, gid: 65534 }`.
   */
  runAs?: { uid: number; gid: number };
}

/** What a fixture did. */
export interface FixtureResult {
  /** The exit code, or `null` when a signal ended the process. */
  code: number | null;
  /** Everything written to standard output, decoded as UTF-8. */
  stdout: string;
  /** Everything written to standard error, decoded as UTF-8. */
  stderr: string;
}

/** Whether this module runs as transpiled JavaScript (the Node build in dist/). */
const transpiled = import.meta.url.endsWith(".js");

/**
 * Returns the path of `tests/fixtures/<stem>.ts`, or of its `.js` twin when
 * the tests themselves run as JavaScript.
 *
 * @param stem the file name without extension, e.g. `file_writer_fixture`
 * @param topLevel whether the file is at the project's top level (e.g. `cli`)
 */
export function fixturePath(stem: string, topLevel = false): string {
  const dir = topLevel ? "../../" : "../fixtures/";
  return fileURLToPath(new URL(`${dir}${stem}${transpiled ? ".js" : ".ts"}`, import.meta.url));
}

/** The child's environment: ours, with `changes` applied. */
function childEnv(changes: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...changes })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Runs `tests/fixtures/<stem>` on the current runtime and resolves when it
 * exits, with its exit code and output. Rejects if it cannot start or runs
 * past the timeout.
 *
 * @param stem the fixture's file name without extension, e.g. `file_writer_fixture`
 * @param options arguments, environment, Deno flags and timeout
 *
 * @example
 * ```ts ignore
 * const { code, stdout } = await runFixture("file_writer_fixture", { args: ["stdout"] });
 * ```
 */
export function runFixture(stem: string, options: RunFixtureOptions = {}): Promise<FixtureResult> {
  const script = fixturePath(stem, options.topLevel);
  const args = options.args ?? [];
  const env = childEnv(options.env ?? {});
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { runAs } = options;
  const asUser = runAs === undefined
    ? []
    : ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups"];
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  // Deno's node:child_process rewrites the flags of a child Deno (it grants all
  // permissions), so Deno children are started with Deno.Command.
  if (deno !== undefined && !("Bun" in globalThis)) {
    const argv = [...asUser, deno.execPath(), "run", ...(options.denoFlags ?? ["-A"]), script, ...args];
    return runDeno(deno, argv, env, timeoutMs, stem);
  }
  return runNode([...asUser, process.execPath, script, ...args], env, timeoutMs, stem);
}

async function runDeno(
  deno: typeof Deno,
  [command, ...args]: string[],
  env: Record<string, string>,
  timeoutMs: number,
  stem: string,
): Promise<FixtureResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  const output = await new deno.Command(command, { args, env, clearEnv: true, stdin: "null", signal }).output();
  if (signal.aborted) throw new Error(`fixture ${stem} ran longer than ${timeoutMs} ms`);
  const decoder = new TextDecoder();
  return {
    code: output.signal === null ? output.code : null,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function runNode(
  [command, ...args]: string[],
  env: Record<string, string>,
  timeoutMs: number,
  stem: string,
): Promise<FixtureResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    child.stdout.on("data", (chunk: Uint8Array) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Uint8Array) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`fixture ${stem} ran longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: decode(stdout), stderr: decode(stderr) });
    });
  });
}

function decode(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
}
