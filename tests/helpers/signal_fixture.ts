/**
 * Runs a fixture in a child process on the current runtime, waits until it
 * prints "ready" on standard output, sends it a signal, and resolves with how
 * it ended: for tests of what a signal does to a program.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fixturePath } from "./run_fixture.ts";

/** Options for {@linkcode signalFixture}. */
export interface SignalFixtureOptions {
  /** Arguments passed to the script. */
  args?: string[];
  /** Environment changes over ours; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Deno only: the flags between `deno run` and the script; default `["-A"]`. */
  denoFlags?: string[];
  /** The signal sent once the child prints "ready"; default `"SIGTERM"`. */
  signal?: "SIGTERM" | "SIGINT";
  /** Kills the child with SIGKILL and rejects after this many milliseconds; default 10000. */
  timeoutMs?: number;
}

/** How a signalled child ended. */
export interface SignalResult {
  /** The exit code, or `null` when the signal ended the process. */
  code: number | null;
  /** The signal that ended the process, or `null` when it exited itself. */
  signal: string | null;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

function childEnv(changes: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...changes })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Starts `tests/fixtures/<stem>`, sends `signal` once it prints "ready", and
 * resolves when it has exited. Rejects when it exits before "ready" or runs
 * past the timeout (it is then killed).
 *
 * @param stem the fixture's file name without extension
 * @param options arguments, environment, Deno flags, signal and timeout
 */
export function signalFixture(stem: string, options: SignalFixtureOptions = {}): Promise<SignalResult> {
  const script = fixturePath(stem);
  const signal = options.signal ?? "SIGTERM";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const env = childEnv(options.env ?? {});
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  // Deno's node:child_process rewrites a child Deno's flags, so Deno children start with Deno.Command.
  if (deno !== undefined && !("Bun" in globalThis)) {
    const args = ["run", ...(options.denoFlags ?? ["-A"]), script, ...(options.args ?? [])];
    return signalDeno(deno, args, env, signal, timeoutMs, stem);
  }
  const args = [script, ...(options.args ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: string[] = [];
    const stderr: string[] = [];
    let signalled = false;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout.push(chunk);
      if (!signalled && stdout.join("").includes("ready\n")) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.stderr.on("data", (chunk: string) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`fixture ${stem} ran longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, endedBy) => {
      clearTimeout(timer);
      const result = { code, signal: endedBy, stdout: stdout.join(""), stderr: stderr.join("") };
      if (!signalled) reject(new Error(`fixture ${stem} exited before "ready": ${JSON.stringify(result)}`));
      else resolve(result);
    });
  });
}

async function signalDeno(
  deno: typeof Deno,
  args: string[],
  env: Record<string, string>,
  signal: "SIGTERM" | "SIGINT",
  timeoutMs: number,
  stem: string,
): Promise<SignalResult> {
  const child = new deno.Command(deno.execPath(), {
    args,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const stderr = new Response(child.stderr).text();
  let stdout = "";
  let signalled = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    stdout += decoder.decode(chunk, { stream: true });
    if (!signalled && stdout.includes("ready\n")) {
      signalled = true;
      child.kill(signal);
    }
  }
  const status = await child.status;
  clearTimeout(timer);
  const result = {
    code: status.signal === null ? status.code : null,
    signal: status.signal,
    stdout,
    stderr: await stderr,
  };
  if (!signalled) throw new Error(`fixture ${stem} exited before "ready": ${JSON.stringify(result)}`);
  if (status.signal === "SIGKILL") throw new Error(`fixture ${stem} ran longer than ${timeoutMs} ms`);
  return result;
}
