/**
 * The writer for `stdout`, `stderr` and `file://` locations: one line per
 * update, followed by a newline.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { platform, type SyncFs } from "../_platform.ts";
import { lineLogger, type Writer, writerLogger, type WriterOptions } from "./writer.ts";

/** Where a {@linkcode FileWriter} writes: a process stream or a file path. */
export type FileTarget = "stdout" | "stderr" | { path: string };

/**
 * `node:fs`, or a promise of it on Node 20.0-20.15, which have no `process.getBuiltinModule` (the only way to load a
 * module synchronously from an ES module); where `node:fs` cannot be loaded, the promise rejects and the writer logs
 * why.
 */
function nodeFs(): SyncFs | Promise<SyncFs> {
  return platform().fs() ?? import("node:fs") as Promise<SyncFs>;
}

/** Opens `path` for appending; throws an error naming the path and the reason. */
function openForAppend(fs: SyncFs, path: string): number {
  try {
    return fs.openSync(path, "a");
  } catch (error) {
    throw new Error(
      `Cannot create FileWriter: cannot open file://${path} for appending: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Writes each line followed by `\n` to standard output, standard error, or a
 * file opened for appending. A file whose directory is missing is an error at
 * construction; `close()` closes the file but never the process's streams.
 *
 * @example Append lines to a file
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { FileWriter } from "@spectator/client";
 *
 * const dir = mkdtempSync(join(tmpdir(), "spectator-"));
 * const writer = new FileWriter({ path: join(dir, "metrics.txt") });
 * writer.write("c:requests:1");
 * await writer.close();
 * strictEqual(readFileSync(join(dir, "metrics.txt"), "utf8"), "c:requests:1\n");
 * rmSync(dir, { recursive: true });
 * ```
 */
export class FileWriter implements Writer {
  /** The logger this writer reports to. */
  readonly logger: Logger;
  readonly #logLine: ((line: string) => void) | undefined;
  #write: ((text: string) => void) | undefined;
  #close: () => void = () => {};
  /** Settles once the file is open (at once, but for Node 20.0-20.15; see {@linkcode nodeFs}). */
  #ready: Promise<void> = Promise.resolve();

  /**
   * Opens the output.
   *
   * @param target `"stdout"`, `"stderr"` or `{ path }` of a file to append to
   * @param options logging
   * @throws {Error} when the file cannot be opened, naming the path and the reason (logged instead on Node
   *   20.0-20.15, which open it a moment later)
   */
  constructor(target: FileTarget, options: WriterOptions = {}) {
    this.logger = writerLogger(options);
    this.#logLine = lineLogger(options);
    if (typeof target === "string") {
      const stream = platform().stream(target);
      this.#write = (text) => void stream.write(text);
      return;
    }
    if (!platform().isGranted({ name: "write", path: target.path })) {
      this.logger.error(`spectator.writer: cannot write to file://${target.path}: run Deno with --allow-write`);
      this.#write = undefined;
      return;
    }
    const fs = nodeFs();
    if (fs instanceof Promise) {
      this.#openWhenLoaded(fs, target.path);
      return;
    }
    const fd = openForAppend(fs, target.path);
    this.#write = (text) => void fs.writeSync(fd, text);
    this.#close = () => fs.closeSync(fd);
  }

  /** Keeps the lines in memory until `node:fs` has loaded, then opens the file and writes them (or logs why not). */
  #openWhenLoaded(loading: Promise<SyncFs>, path: string): void {
    let pending = "";
    this.#write = (text) => void (pending += text);
    this.#ready = loading.then((fs) => {
      const fd = openForAppend(fs, path);
      this.#close = () => fs.closeSync(fd);
      const write = (text: string) => void fs.writeSync(fd, text);
      // Unless close() came first, later lines go straight to the file.
      if (this.#write !== undefined) this.#write = write;
      if (pending !== "") write(pending);
    }).catch((error) => {
      this.#write = undefined;
      this.logger.error(`spectator.writer: ${(error as Error).message}`);
    });
  }

  /** Writes `line` and a newline; errors are logged, never thrown. */
  write(line: string): void {
    this.#logLine?.(line);
    if (this.#write === undefined) return;
    try {
      this.#write(`${line}\n`);
    } catch (error) {
      this.logger.error(`spectator.writer: cannot write a line: ${(error as Error).message}`);
    }
  }

  /** Resolves once every line is written: at once, as lines are written synchronously once the file is open. */
  flush(): Promise<void> {
    return this.#ready;
  }

  /** Closes the file (never the process's streams); later writes are dropped. */
  close(): Promise<void> {
    this.#write = undefined;
    return this.#ready.then(() => {
      const close = this.#close;
      this.#close = () => {};
      close();
    });
  }
}
