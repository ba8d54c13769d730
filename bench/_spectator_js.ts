/**
 * Netflix's spectator-js, the peer the bench compares with, loaded from a
 * built checkout named by `SPECTATOR_JS_DIR` (its ESM build in `esm/`, its
 * `node_modules` with `node-unix-socket`). Nothing of it is part of this
 * project: without the variable, the bench reports it as not available.
 *
 * Its UDP and Unix writers are used with their defaults: lines collect in a
 * buffer that is sent as one datagram when it reaches 32,768 bytes, or 15 s
 * after the first line, or at `close()`; one send is in flight at a time.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { runtime } from "./_runtime.ts";

/** The environment variable that names a built checkout of Netflix/spectator-js. */
export const SPECTATOR_JS_DIR = "SPECTATOR_JS_DIR";

/** What the bench says where spectator-js cannot be measured for want of a checkout. */
export const SPECTATOR_JS_MISSING = "not available (set SPECTATOR_JS_DIR to a built checkout of Netflix/spectator-js)";

/** A spectator-js counter (the part the bench uses). */
export interface SpectatorJsCounter {
  increment(delta?: number): Promise<void>;
}

/** A spectator-js timer (the part the bench uses). */
export interface SpectatorJsTimer {
  record(seconds: number): Promise<void>;
}

/** A spectator-js registry (the part the bench uses). */
export interface SpectatorJsRegistry {
  counter(name: string, tags?: Record<string, string>): SpectatorJsCounter;
  timer(name: string, tags?: Record<string, string>): SpectatorJsTimer;
  writer(): object;
  close(): Promise<void>;
}

/** A spectator-js registry writing to one location, with what the bench needs around it. */
export interface SpectatorJsClient {
  registry: SpectatorJsRegistry;
  /** Sends what its writer buffered and resolves when the send completed. */
  flush(): Promise<void>;
  /** Closes the registry (its writer sends what is buffered first). */
  close(): Promise<void>;
  /** Errors and warnings its logger received (failed sends among them). */
  problems(): number;
  /** The first error or warning it logged, if any. */
  firstProblem(): string | undefined;
  /** The latest error or warning it logged, if any. */
  lastProblem(): string | undefined;
}

type Logger = Record<"trace" | "debug" | "info" | "warn" | "error" | "fatal", (message: string) => void>;

interface SpectatorJsModule {
  Config: new (location: string, extraCommonTags?: Record<string, string>, logger?: Logger) => unknown;
  Registry: new (config: unknown) => SpectatorJsRegistry;
}

/** The private parts of its UDP and Unix writers that let the bench flush without closing. */
interface BufferingWriter {
  flush?: () => void;
  _lastOperation?: Promise<void>;
}

/** spectator-js cannot be loaded; the message says why. */
export class SpectatorJsUnavailable extends Error {
  override name = "SpectatorJsUnavailable";
}

let loaded: Promise<SpectatorJsModule> | undefined;

/** The checkout's directory, or undefined when `SPECTATOR_JS_DIR` is not set. */
export function spectatorJsDir(): string | undefined {
  return process.env[SPECTATOR_JS_DIR] || undefined;
}

/** The version in the checkout's package.json, or undefined without a checkout. */
export function spectatorJsVersion(): string | undefined {
  const dir = spectatorJsDir();
  if (dir === undefined) return undefined;
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Imports spectator-js's ESM build; rejects with a {@linkcode SpectatorJsUnavailable} without a built checkout. */
function loadSpectatorJs(): Promise<SpectatorJsModule> {
  loaded ??= (async () => {
    const dir = spectatorJsDir();
    if (dir === undefined) throw new SpectatorJsUnavailable(`spectator-js ${SPECTATOR_JS_MISSING}`);
    const entry = join(dir, "esm/src/index.js");
    if (!existsSync(entry)) {
      throw new SpectatorJsUnavailable(
        `${SPECTATOR_JS_DIR}=${dir} is not a built checkout: it has no esm/src/index.js`,
      );
    }
    try {
      return (await import(pathToFileURL(entry).href)) as SpectatorJsModule;
    } catch (error) {
      // Shorten absolute paths to their last part, so the report's cell stays readable.
      const why = String((error as Error)?.message ?? error).split("\n")[0].replace(/\/\S+\/([^/\s]+)/g, "$1");
      throw new SpectatorJsUnavailable(`spectator-js does not load on ${runtime}: ${why}`);
    }
  })();
  return loaded;
}

/**
 * A spectator-js registry that writes to `location` (`udp://host:port` or
 * `unix:///path`) with its writers' default buffering, and a logger that
 * counts problems instead of printing them.
 */
export async function spectatorJsClient(location: string): Promise<SpectatorJsClient> {
  const { Config, Registry } = await loadSpectatorJs();
  let problems = 0;
  let firstProblem: string | undefined;
  let lastProblem: string | undefined;
  const problem = (message: string) => {
    problems++;
    firstProblem ??= message;
    lastProblem = message;
  };
  const quiet = () => {};
  const logger: Logger = { trace: quiet, debug: quiet, info: quiet, warn: problem, error: problem, fatal: problem };
  const registry = new Registry(new Config(location, {}, logger));
  const writer = registry.writer() as BufferingWriter;
  return {
    registry,
    flush: async () => {
      writer.flush?.();
      await writer._lastOperation;
    },
    close: () => registry.close(),
    problems: () => problems,
    firstProblem: () => firstProblem,
    lastProblem: () => lastProblem,
  };
}
