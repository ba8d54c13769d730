/**
 * The writer for `stdout`, `stderr` and `file://` locations: one line per
 * update, followed by a newline.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { platform } from "../_platform.ts";
import { lineLogger, type Writer, writerLogger, type WriterOptions } from "./writer.ts";

/** Where a {@linkcode FileWriter} writes: a process stream or a file path. */
export type FileTarget = "stdout" | "stderr" | { path: string };

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

  /**
   * Opens the output.
   *
   * @param target `"stdout"`, `"stderr"` or `{ path }` of a file to append to
   * @param options logging
   * @throws {Error} when the file cannot be opened, naming the path and the reason
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
    const fs = platform().fs();
    if (fs === undefined) throw new Error("file output needs node:fs, which this runtime does not provide");
    let fd: number;
    try {
      fd = fs.openSync(target.path, "a");
    } catch (error) {
      throw new Error(
        `Cannot create FileWriter: cannot open file://${target.path} for appending: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#write = (text) => void fs.writeSync(fd, text);
    this.#close = () => fs.closeSync(fd);
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

  /** Resolves at once: every line is written synchronously. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Closes the file (never the process's streams); later writes are dropped. */
  close(): Promise<void> {
    this.#write = undefined;
    const close = this.#close;
    this.#close = () => {};
    close();
    return Promise.resolve();
  }
}
