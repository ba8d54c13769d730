/**
 * The LineWriter: all delivery policy for socket locations, independent of
 * the runtime. It decides when the open datagram leaves (at the end of the
 * event-loop turn, or when a buffer fills or its interval passes) and when
 * folded updates become lines (then, or once lines can leave); packing and
 * the pending bound are the datagram buffer's (`_datagram_buffer.ts`),
 * combining the fold table's (`../_fold_table.ts`), ordering and accounting
 * the delivery's (`_delivery.ts`).
 *
 * @module
 */

import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_ERROR_INTERVAL_MS,
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_STALL_MS,
  MAX_BUFFER_SIZE,
  MAX_DATAGRAM_BYTES,
  MAX_DELAY_MS,
  MAX_PENDING_BYTES,
} from "../_defaults.ts";
import { FoldTable } from "../_fold_table.ts";
import { capText, describeValue, safeString } from "../meter_id.ts";
import { optionChecks } from "../_option_checks.ts";
import type { Logger } from "../logger.ts";
import { platform } from "../_platform.ts";
import type { Transport, TransportContext } from "../transports/transport.ts";
import { valueText } from "./_ascii_value.ts";
import { type Appended, DatagramBuffer } from "./_datagram_buffer.ts";
import { Delivery } from "./_delivery.ts";
import { DeliveryReport } from "./_delivery_report.ts";
import { offerValuePath, type ValuePath } from "./_value_path.ts";
import { lineLogger, type Writer, writerLogger, type WriterOptions } from "./writer.ts";

const check = optionChecks("LineWriter");

/**
 * Options for {@linkcode LineWriter}; `Config` supplies them for a registry.
 *
 * @example
 * ```ts
 * import type { LineWriterOptions } from "@spectator/client";
 *
 * const options: LineWriterOptions = { description: "udp://127.0.0.1:1234", bufferSize: 0 };
 * ```
 */
export interface LineWriterOptions extends WriterOptions {
  /** Names the destination in messages, e.g. `udp://127.0.0.1:1234`. */
  description: string;
  /** Bytes to collect before sending; 0 (default) sends at the end of each event-loop turn. */
  bufferSize?: number;
  /** With `bufferSize` above 0, the longest a line waits in milliseconds (default 1000). */
  flushIntervalMs?: number;
  /** The most bytes waiting or in flight; lines past it are dropped and counted (default 4 MiB). */
  maxPendingBytes?: number;
  /** The largest datagram, in bytes (default 61440). */
  maxDatagramBytes?: number;
  /** The shortest time between two connection attempts, in milliseconds (default 1000). */
  reconnectDelayMs?: number;
  /** The shortest time between two reports of one kind of failure, in milliseconds (default 10000). */
  errorIntervalMs?: number;
  /**
   * How long datagrams may wait for a receiver that takes none (a full
   * socket, or a send that does not complete), in milliseconds, before they
   * are dropped (default 1000).
   */
  stallMs?: number;
  /**
   * Whether meters whose values combine fold their updates into one line per
   * id until lines leave (default `true`): counters sum, gauges, monotonic
   * counters and age gauges keep the last value, max gauges the largest. The
   * line leaves at the end of the event-loop turn, or once lines can leave
   * (the socket is open, a send in flight has completed, a full socket has
   * room), with what SpectatorD would have computed from the separate lines.
   * Timers and distribution summaries still send every sample. `false`
   * sends every update as its own line.
   */
  fold?: boolean;
}

/**
 * What a {@linkcode LineWriter} has done so far.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import type { LineWriterStats } from "@spectator/client";
 *
 * function lossRate(stats: LineWriterStats): number {
 *   return stats.droppedLines / Math.max(1, stats.sentLines + stats.droppedLines);
 * }
 * const stats = { sentLines: 3, sentDatagrams: 1, droppedLines: 1, foldedUpdates: 0, pendingBytes: 0, errors: 0 };
 * strictEqual(lossRate(stats), 0.25);
 * ```
 */
export interface LineWriterStats {
  /** Lines handed to the transport without an error. */
  sentLines: number;
  /** Datagrams handed to the transport without an error. */
  sentDatagrams: number;
  /** Lines lost: past the pending bound, too long for a datagram, failed sends, or written after close. */
  droppedLines: number;
  /**
   * Updates that did not become a line of their own: folded into another
   * update's line of the same id. Every update is in one of `sentLines`,
   * `droppedLines` and `foldedUpdates`, once nothing is pending.
   */
  foldedUpdates: number;
  /** Bytes accepted and not yet sent. */
  pendingBytes: number;
  /** Send and connection errors seen. */
  errors: number;
}

/** The prefix of a whole line given to `write()`: none. */
const NO_PREFIX = new Uint8Array(0);

/**
 * Delivers lines to a datagram {@linkcode Transport}: lines are joined with
 * `\n` into datagrams that never exceed `maxDatagramBytes` and never split a
 * line. By default everything written in one synchronous stretch goes out at
 * the end of it; with `bufferSize`, lines wait for that many bytes or
 * `flushIntervalMs`. Updates of meters whose values combine fold into one
 * line per id until lines leave (see {@linkcode LineWriterOptions.fold});
 * `write()` itself never folds. Datagrams leave in order, one asynchronous
 * send at a time; a full socket gets the same datagram again shortly, for up
 * to `stallMs`. `write` never throws: failures are counted and logged at
 * most once per interval, and the transport is re-created after errors.
 * What was written before `process.exit()` is sent as the process ends,
 * where the transport can send synchronously.
 *
 * @example Send through a custom transport
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { LineWriter } from "@spectator/client";
 *
 * const datagrams: string[] = [];
 * const writer = new LineWriter(() => ({
 *   send: (bytes) => void datagrams.push(new TextDecoder().decode(bytes)),
 *   close: () => Promise.resolve(),
 * }), { description: "example" });
 * writer.write("c:a:1");
 * writer.write("c:b:1");
 * await writer.close();
 * deepStrictEqual(datagrams, ["c:a:1\nc:b:1"]);
 * ```
 */
export class LineWriter implements Writer {
  /** The logger this writer reports to. */
  readonly logger: Logger;
  readonly #buffer: DatagramBuffer;
  readonly #fold: FoldTable | undefined;
  readonly #delivery: Delivery;
  readonly #report: DeliveryReport;
  readonly #bufferSize: number;
  readonly #flushIntervalMs: number;
  readonly #logLine: ((line: string) => void) | undefined;
  readonly #tooLong: string;
  readonly #overBound: string;
  #turnEndQueued = false;
  #cancelFlushTimer: (() => void) | undefined;
  #removeExitHooks: (() => void) | undefined;
  /** Set by close(): from then on writes are dropped. */
  #closing: Promise<void> | undefined;
  /** Whether the meters' fast path must take write(): lines are logged, or the writer is closing. */
  #slowPath: boolean;

  /**
   * Creates the writer; the transport opens on the first write.
   *
   * @param connect opens the transport; called lazily, and again after errors
   * @param options batching, bounds and logging
   */
  constructor(connect: (context: TransportContext) => Transport | Promise<Transport>, options: LineWriterOptions) {
    // Past UDP's limit over IPv4, and too close to the 64 KiB a SpectatorD Unix socket reads (more corrupts it).
    const maxDatagramBytes = check.integer(
      "maxDatagramBytes",
      options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
      1,
      MAX_DATAGRAM_BYTES,
    );
    const maxPendingBytes = check.integer(
      "maxPendingBytes",
      options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
      0,
      MAX_PENDING_BYTES,
    );
    this.logger = writerLogger(options);
    this.#bufferSize = check.integer("bufferSize", options.bufferSize ?? DEFAULT_BUFFER_SIZE, 0, MAX_BUFFER_SIZE);
    this.#flushIntervalMs = check.integer(
      "flushIntervalMs",
      options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
      1,
      MAX_DELAY_MS,
    );
    this.#tooLong = `a line is longer than maxDatagramBytes=${maxDatagramBytes}`;
    this.#overBound = `more than maxPendingBytes=${maxPendingBytes} are waiting`;
    this.#logLine = lineLogger(options);
    this.#slowPath = this.#logLine !== undefined;
    const buffer = this.#buffer = new DatagramBuffer(maxDatagramBytes, maxPendingBytes);
    this.#report = new DeliveryReport(
      this.logger,
      options.description,
      check.integer("errorIntervalMs", options.errorIntervalMs ?? DEFAULT_ERROR_INTERVAL_MS, 0, MAX_DELAY_MS),
    );
    this.#delivery = new Delivery(connect, this.logger, {
      reconnectDelayMs: check.integer(
        "reconnectDelayMs",
        options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS,
        0,
        MAX_DELAY_MS,
      ),
      stallMs: check.integer("stallMs", options.stallMs ?? DEFAULT_STALL_MS, 1, MAX_DELAY_MS),
      report: this.#report,
      release: (bytes) => buffer.release(bytes),
      ready: () => this.#release(),
    });
    // The meters' fast path: the prefix's bytes are copied and the value formatted straight into the open datagram.
    // It is #append() written out, which saves Bun a call per update. The fold table writes its lines through it too.
    const writeValue: ValuePath = (prefix, value) => {
      if (this.#slowPath) return this.write(prefix.text + valueText(value));
      const appended = buffer.append(prefix.bytes, value);
      if (appended === "ok") this.#afterWrite();
      else this.#notAppended(appended, prefix.bytes, value);
    };
    const fold = check.boolean("fold", options.fold ?? true);
    this.#fold = fold
      ? new FoldTable(
        () => this.#folding(),
        writeValue,
        (error) => this.#report.dropped(1, `a folded line could not be written: ${capText(safeString(error))}`),
      )
      : undefined;
    offerValuePath(this, writeValue, this.#fold);
  }

  /** Accepts one line; it is dropped and counted when the writer is closed, the line is too long, or too much is pending. */
  write(line: string): void {
    // Untyped JavaScript may pass anything: what is not a line is dropped and counted, never thrown.
    if (typeof line !== "string") {
      return this.#report.dropped(1, `a line must be a string: received ${describeValue(line)}`);
    }
    this.#logLine?.(line);
    if (this.#closing !== undefined) return this.#report.dropped(1, "the writer is closed");
    this.#append(NO_PREFIX, line);
  }

  /** Returns counters of what was sent and dropped. */
  stats(): LineWriterStats {
    return {
      ...this.#report.counts,
      foldedUpdates: this.#fold?.foldedUpdates ?? 0,
      pendingBytes: this.#buffer.pendingBytes,
    };
  }

  /**
   * Sends everything accepted so far; resolves once the transport has taken
   * it, or it failed and was counted as dropped. Never rejects. A flush tries
   * one connection at once, even within the reconnect delay; when the
   * transport fails while a flush waits, what is left is dropped and counted,
   * so `flush()` and `close()` return promptly even when the agent is down.
   */
  flush(): Promise<void> {
    this.#drainFolded();
    this.#sendOpen();
    return this.#delivery.flush();
  }

  /** Flushes, then closes the transport and stops timers; later writes are dropped. Idempotent. */
  close(): Promise<void> {
    this.#slowPath = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Async disposal closes the writer. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    await this.flush();
    this.#cancelFlushTimer?.();
    this.#removeExitHooks?.();
    await this.#delivery.close();
  }

  /** The one path of every line into the open datagram. */
  #append(prefix: Uint8Array, value: number | string): void {
    const appended = this.#buffer.append(prefix, value);
    if (appended === "ok") this.#afterWrite();
    else this.#notAppended(appended, prefix, value);
  }

  /** A line that did not fit: a full datagram leaves and the line starts the next; what cannot fit is dropped. */
  #notAppended(appended: Appended, prefix: Uint8Array, value: number | string): void {
    if (appended === "full") {
      this.#sendOpen();
      appended = this.#buffer.append(prefix, value);
    }
    if (appended !== "ok") return this.#report.dropped(1, appended === "over" ? this.#overBound : this.#tooLong);
    this.#afterWrite();
  }

  /** The first update waits in the fold table: it becomes a line when the open datagram would leave. */
  #folding(): void {
    // After close(), a folded update is dropped like any other write.
    if (this.#closing !== undefined) return this.#drainFolded();
    this.#afterWrite();
  }

  /** Schedules the release of what was written: at the end of the turn, or when the buffer fills or its interval ends. */
  #afterWrite(): void {
    this.#removeExitHooks ??= this.#hookExit();
    if (this.#bufferSize === 0) {
      if (!this.#turnEndQueued) {
        this.#turnEndQueued = true;
        // Lines the release itself writes (folded ones) leave with it, without queueing another release.
        queueMicrotask(() => {
          try {
            this.#release();
          } catch (error) {
            // A bug below the writer must not become an uncaught error in the host's process.
            this.logger.error(`spectator.writer: sending failed: ${capText(safeString(error))}`);
          } finally {
            this.#turnEndQueued = false;
          }
        });
      }
    } else if (this.#buffer.length >= this.#bufferSize) {
      this.#release();
    } else {
      this.#cancelFlushTimer ??= platform().unrefTimeout(() => {
        this.#cancelFlushTimer = undefined;
        this.#release();
      }, this.#flushIntervalMs);
    }
  }

  /**
   * Delivers what is still written when the process ends: a natural end
   * flushes (the event loop still runs), and `process.exit()` hands what it
   * can to the transport synchronously.
   */
  #hookExit(): () => void {
    const removeNatural = platform().onNaturalExit(() => {
      if (this.#buffer.pendingBytes > 0 || this.#fold?.pending) void this.flush();
    });
    const removeExit = platform().onExit(() => {
      this.#drainFolded();
      this.#sendOpen();
      this.#delivery.sendBeforeExit();
    });
    return () => {
      removeNatural();
      removeExit();
    };
  }

  /**
   * The one point where a stretch of writes is complete and everything
   * accepted so far leaves: the end of the event-loop turn (bufferSize 0),
   * a full buffer or the end of its interval, and the moment lines can
   * leave again. Folded updates become lines here. While lines cannot leave
   * (the socket is opening, a send is in flight, the socket is full), they
   * wait instead: updates keep folding and lines keep filling the open
   * datagram, until the delivery is ready and calls this again. (A datagram
   * that fills up mid-stretch leaves on its own, through #sendOpen, and
   * flush() sends everything at once.)
   */
  #release(): void {
    if (this.#buffer.length === 0 && this.#fold?.pending !== true) return this.#delivery.resume();
    if (this.#delivery.waiting) return this.#delivery.wake();
    this.#drainFolded();
    this.#sendOpen();
  }

  /**
   * Writes one line per folded id into the open datagram. These lines pass
   * maxPendingBytes (they are bounded by the number of ids instead), so that
   * samples waiting for the socket never cost a counted total.
   */
  #drainFolded(): void {
    const fold = this.#fold;
    if (fold === undefined || !fold.pending) return;
    this.#buffer.bounded = false;
    try {
      fold.drain();
    } finally {
      this.#buffer.bounded = true;
    }
  }

  /**
   * Sends the open datagram. When the transport is ready and nothing waits
   * before it, the buffer itself goes out, and a synchronous send leaves it
   * free to fill again: no copy, no allocation. Otherwise a copy joins the
   * queue.
   */
  #sendOpen(): void {
    const buffer = this.#buffer;
    const delivery = this.#delivery;
    if (buffer.length === 0) return delivery.resume();
    if (!delivery.ready) return delivery.enqueue(buffer.seal());
    // A transport that keeps the bytes (an asynchronous send) owns this memory now.
    if (delivery.sendNow(buffer.take())) buffer.detach();
  }
}
