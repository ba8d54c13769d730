/**
 * Runs a script from `tests/fixtures/` in a child process on the runtime that
 * runs the tests, and captures what it prints: Deno runs the `.ts` file with
 * `deno run`, Bun runs the `.ts` file, and Node runs the transpiled `.js` twin
 * in `dist/tests/fixtures/`. Deno children start with `Deno.Command`, the
 * others with `node:child_process`. A child run as another user (or outside
 * the project) runs from a copy of the sources in a fresh world-readable
 * directory, so it never depends on who may read the clone or its parent
 * directories (nor finds the project's packages).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
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
  /** Called with each chunk of standard error as it arrives (the result still holds all of it). */
  onStderr?: (text: string) => void;
  /**
   * Run from a copy of the sources outside the project, where none of its `node_modules` can be found: as an
   * application that did not install an optional package.
   */
  outsideProject?: boolean;
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
export async function runFixture(stem: string, options: RunFixtureOptions = {}): Promise<FixtureResult> {
  const { runAs } = options;
  const copy = runAs === undefined && !options.outsideProject ? undefined : readableCopy(!options.outsideProject);
  try {
    const original = fixturePath(stem, options.topLevel);
    const script = copy === undefined ? original : join(copy, relative(sourceRoot(), original));
    const args = options.args ?? [];
    const env = childEnv(options.env ?? {});
    const timeoutMs = options.timeoutMs ?? 30_000;
    const asUser = runAs === undefined
      ? []
      : ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups"];
    const child = { env, timeoutMs, stem, cwd: copy, onStderr: options.onStderr };
    const deno = (globalThis as { Deno?: typeof Deno }).Deno;
    // Deno's node:child_process rewrites the flags of a child Deno (it grants all
    // permissions), so Deno children are started with Deno.Command.
    if (deno !== undefined && !("Bun" in globalThis)) {
      const argv = [...asUser, deno.execPath(), "run", ...(options.denoFlags ?? ["-A"]), script, ...args];
      return await runDeno(deno, argv, child);
    }
    return await runNode([...asUser, process.execPath, script, ...args], child);
  } finally {
    if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
  }
}

/** How a child runs: its environment, time limit, working directory and a listener for its standard error. */
interface ChildOptions {
  env: Record<string, string>;
  timeoutMs: number;
  stem: string;
  cwd?: string;
  onStderr?: (text: string) => void;
}

/** The root of the sources the fixtures import: the project, or `dist/` when the tests run as JavaScript. */
function sourceRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

/**
 * Copies what a fixture may import (the top-level modules, `src/`, `tests/helpers/`, `tests/fixtures/` and a
 * `package.json`) into a fresh directory that every user may read, under a temporary directory every user may enter;
 * with `optionalPackages`, for Node, the optional package node-unix-socket and its native build too, as a user who
 * installed it has them.
 */
function readableCopy(optionalPackages: boolean): string {
  const root = sourceRoot();
  const copy = mkdtempSync(join(worldEnterableTempDir(), "spectator-fixture-"));
  const extension = transpiled ? ".js" : ".ts";
  const wanted = (path: string) => path.endsWith(extension) || path.endsWith("package.json");
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && wanted(entry.name)) copyFileSync(join(root, entry.name), join(copy, entry.name));
  }
  for (const dir of ["src", "tests/helpers", "tests/fixtures"]) {
    for (const path of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      const from = join(root, dir, path);
      if (!statSync(from).isFile() || !wanted(path)) continue;
      mkdirSync(dirname(join(copy, dir, path)), { recursive: true });
      copyFileSync(from, join(copy, dir, path));
    }
  }
  if (optionalPackages && transpiled) {
    const modules = join(root, "..", "node_modules");
    for (const name of readdirSync(modules).filter((name) => name.startsWith("node-unix-socket"))) {
      cpSync(join(modules, name), join(copy, "node_modules", name), { recursive: true });
    }
  }
  makeReadable(copy);
  return copy;
}

/** Makes every directory below `dir` (and itself) readable and enterable by all, and every file readable by all. */
function makeReadable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(path);
    else chmodSync(path, 0o644);
  }
}

/** The temporary directory when every user may reach it (each parent has the x bit for others), else `/tmp`. */
function worldEnterableTempDir(): string {
  const dir = tmpdir();
  for (let path = dir;; path = dirname(path)) {
    if ((statSync(path).mode & 0o001) === 0) return "/tmp";
    if (dirname(path) === path) return dir;
  }
}

async function runDeno(
  deno: typeof Deno,
  [command, ...args]: string[],
  { env, timeoutMs, stem, cwd, onStderr }: ChildOptions,
): Promise<FixtureResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  const child = new deno.Command(command, {
    args,
    env,
    cwd,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  const [stdout, stderr, status] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr, onStderr),
    child.status,
  ]);
  if (signal.aborted) throw new Error(`fixture ${stem} ran longer than ${timeoutMs} ms`);
  return { code: status.signal === null ? status.code : null, stdout, stderr };
}

/** Reads a stream to its end as UTF-8, passing each decoded chunk to `onText` too. */
async function collect(stream: ReadableStream<Uint8Array>, onText?: (text: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    const decoded = decoder.decode(chunk, { stream: true });
    text += decoded;
    onText?.(decoded);
  }
  return text + decoder.decode();
}

function runNode(
  [command, ...args]: string[],
  { env, timeoutMs, stem, cwd, onStderr }: ChildOptions,
): Promise<FixtureResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    const stderrText = new TextDecoder();
    child.stdout.on("data", (chunk: Uint8Array) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Uint8Array) => {
      stderr.push(chunk);
      onStderr?.(stderrText.decode(chunk, { stream: true }));
    });
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
