/**
 * The LineWriter: all delivery policy for socket locations, independent of
 * the runtime. It packs lines into datagrams, decides when to send, bounds
 * what waits, counts drops, rate-limits error reports and reconnects.
 *
 * @module
 */

import { onNaturalExit } from "../exit_hook.ts";
import type { Logger } from "../logger.ts";
import { RateLimiter } from "../rate_limiter.ts";
import { unrefTimeout } from "../timers.ts";
import type { Transport, TransportContext } from "../transports/transport.ts";
import { maxValueBytes, valueText, writeAsciiValue } from "./ascii_value.ts";
import { type EncodedPrefix, lineLogger, type ValueWriter, writerLogger, type WriterOptions } from "./writer.ts";

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
}

/**
 * What a {@linkcode LineWriter} has done so far.
 *
 * @example
 * ```ts
 * import type { LineWriterStats } from "@spectator/client";
 *
 * function lossRate(stats: LineWriterStats): number {
 *   return stats.droppedLines / Math.max(1, stats.sentLines + stats.droppedLines);
 * }
 * ```
 */
export interface LineWriterStats {
  /** Lines handed to the transport without an error. */
  sentLines: number;
  /** Datagrams handed to the transport without an error. */
  sentDatagrams: number;
  /** Lines lost: past the pending bound, too long for a datagram, failed sends, or written after close. */
  droppedLines: number;
  /** Bytes accepted and not yet sent. */
  pendingBytes: number;
  /** Send and connection errors seen. */
  errors: number;
}

/** A sealed datagram on its way to the transport. */
interface Datagram {
  bytes: Uint8Array;
  lines: number;
  /** The flush() calls waiting for this datagram, if any. */
  flushes?: FlushWaiter[];
}

/** One pending flush(): resolves when every datagram it waits for has settled. */
interface FlushWaiter {
  remaining: number;
  resolve: () => void;
}

const encoder = new TextEncoder();

/**
 * Delivers lines to a datagram {@linkcode Transport}: lines are joined with
 * `\n` into datagrams that never exceed `maxDatagramBytes` and never split a
 * line. By default everything written in one synchronous stretch goes out at
 * the end of it; with `bufferSize`, lines wait for that many bytes or
 * `flushIntervalMs`. `write` never throws: failures are counted and logged at
 * most once per interval, and the transport is re-created after errors.
 *
 * @example Send through a custom transport
 * ```ts
 * import { LineWriter } from "@spectator/client";
 *
 * const datagrams: string[] = [];
 * const writer = new LineWriter(() => ({
 *   send: (bytes) => void datagrams.push(new TextDecoder().decode(bytes)),
 *   close: () => Promise.resolve(),
 * }), { description: "example" });
 * writer.write("c:a:1");
 * writer.write("c:b:1");
 * await writer.close(); // datagrams: ["c:a:1\nc:b:1"]
 * ```
 */
export class LineWriter implements ValueWriter {
  /** The logger this writer reports to. */
  readonly logger: Logger;
  readonly #connect: (context: TransportContext) => Transport | Promise<Transport>;
  readonly #description: string;
  readonly #bufferSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxPendingBytes: number;
  readonly #maxDatagramBytes: number;
  readonly #reconnectDelayMs: number;
  readonly #logLine: ((line: string) => void) | undefined;
  readonly #reports: RateLimiter;
  readonly #tooLong: string;
  readonly #overBound: string;
  readonly #errorIntervalMs: number;
  /** Set after a drop warning until errorIntervalMs has passed: later drops are only counted. */
  #dropWarningMuted = false;

  /** The open datagram: reused, since sealing copies it out. */
  #buffer: Uint8Array | undefined;
  #length = 0;
  #lines = 0;
  /** Sealed datagrams not yet handed to a transport, oldest first. */
  #queue: Datagram[] = [];
  /** Datagrams handed to the transport whose asynchronous send has not settled. */
  readonly #inFlight = new Set<Datagram>();
  #pendingBytes = 0;
  #transport: Transport | undefined;
  #connecting = false;
  #retryAt = 0;
  #cancelRetry: (() => void) | undefined;
  #cancelFlushTimer: (() => void) | undefined;
  #flushQueued = false;
  #flushWaiters = 0;
  /** Set by close(): from then on writes are dropped. */
  #closing: Promise<void> | undefined;
  /** Whether writeValue must take the general path: lines are logged, or the writer is closing. */
  #slowPath: boolean;
  /** Set once close() has flushed: no more connection attempts. */
  #closed = false;
  #removeExitHook: (() => void) | undefined;
  #stats = { sentLines: 0, sentDatagrams: 0, droppedLines: 0, errors: 0 };
  /** The line count of each datagram sent synchronously, for a transport that reports its failure later. */
  readonly #linesSent = new WeakMap<Uint8Array, number>();

  /**
   * Creates the writer; the transport opens on the first write.
   *
   * @param connect opens the transport; called lazily, and again after errors
   * @param options batching, bounds and logging
   */
  constructor(connect: (context: TransportContext) => Transport | Promise<Transport>, options: LineWriterOptions) {
    this.#connect = connect;
    this.#description = options.description;
    this.#bufferSize = options.bufferSize ?? 0;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxDatagramBytes = options.maxDatagramBytes ?? 61440;
    this.#tooLong = `a line is longer than maxDatagramBytes=${this.#maxDatagramBytes}`;
    this.#maxPendingBytes = options.maxPendingBytes ?? 4 * 1024 * 1024;
    this.#overBound = `more than maxPendingBytes=${this.#maxPendingBytes} are waiting`;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 1000;
    this.#errorIntervalMs = options.errorIntervalMs ?? 10_000;
    this.#reports = new RateLimiter(this.#errorIntervalMs);
    this.logger = writerLogger(options);
    this.#logLine = lineLogger(options);
    this.#slowPath = this.#logLine !== undefined;
  }

  /** Accepts one line; it is dropped and counted when the writer is closed, the line is too long, or too much is pending. */
  write(line: string): void {
    this.#logLine?.(line);
    if (this.#closing !== undefined) return this.#drop("the writer is closed");
    // Each UTF-16 unit encodes to at least one byte: such a line can never fit.
    if (line.length > this.#maxDatagramBytes) return this.#drop(this.#tooLong);
    let appended = this.#append(line);
    if (appended === "full") {
      this.#sendOpen();
      appended = this.#append(line);
      if (appended === "full") return this.#drop(this.#tooLong);
    }
    if (appended === "over") return this.#drop(this.#overBound);
    this.#afterWrite();
  }

  /**
   * The meters' fast path: the line `prefix.text + value`, with the prefix's
   * bytes copied and the value formatted straight into the open datagram.
   * Near a limit it defers to {@linkcode write}, which decides exactly.
   */
  writeValue(prefix: EncodedPrefix, value: number | string): void {
    if (this.#slowPath) return this.write(prefix.text + valueText(value));
    const bytes = prefix.bytes;
    const most = 1 + bytes.length + maxValueBytes(value);
    if (this.#pendingBytes + most > this.#maxPendingBytes) {
      // Surely over the bound (a separator when needed, the prefix, one value byte): drop without building the line,
      // so a flood of drops stays cheap.
      const least = (this.#length > 0 ? 1 : 0) + bytes.length + 1;
      if (this.#pendingBytes + least > this.#maxPendingBytes) return this.#drop(this.#overBound);
      return this.write(prefix.text + valueText(value));
    }
    // Near the end of the datagram, write() decides exactly whether the line still fits.
    if (this.#length + most > this.#maxDatagramBytes) return this.write(prefix.text + valueText(value));
    const buffer = this.#buffer ??= new Uint8Array(this.#maxDatagramBytes);
    const start = this.#length;
    let position = start;
    if (position > 0) buffer[position++] = 0x0a;
    buffer.set(bytes, position);
    position = writeAsciiValue(buffer, position + bytes.length, value);
    this.#length = position;
    this.#lines++;
    this.#pendingBytes += position - start;
    this.#afterWrite();
  }

  /** Returns counters of what was sent and dropped. */
  stats(): LineWriterStats {
    return { ...this.#stats, pendingBytes: this.#pendingBytes };
  }

  /**
   * Sends everything accepted so far; resolves once the transport has taken
   * it, or it failed and was counted as dropped. Never rejects. A flush tries
   * one connection at once, even within the reconnect delay; when the
   * transport fails while a flush waits, what is left is dropped and counted,
   * so `flush()` and `close()` return promptly even when the agent is down.
   */
  flush(): Promise<void> {
    this.#sendOpen();
    const waiter: FlushWaiter = { remaining: 0, resolve: () => {} };
    for (const datagram of this.#queue) this.#await(datagram, waiter);
    for (const datagram of this.#inFlight) this.#await(datagram, waiter);
    if (waiter.remaining === 0) return Promise.resolve();
    this.#flushWaiters++;
    const flushed = new Promise<void>((resolve) => (waiter.resolve = resolve));
    if (this.#queue.length > 0) this.#drain(true);
    return flushed;
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
    this.#closed = true;
    this.#cancelFlushTimer?.();
    this.#cancelRetry?.();
    this.#removeExitHook?.();
    const transport = this.#transport;
    this.#transport = undefined;
    if (transport !== undefined) await closeQuietly(transport, (error) => this.#report("close", error));
  }

  /** Encodes `line` into the open datagram, unless it does not fit or would pass the pending bound. */
  #append(line: string): "ok" | "full" | "over" {
    const buffer = this.#buffer ??= new Uint8Array(this.#maxDatagramBytes);
    const separator = this.#length > 0 ? 1 : 0;
    const start = this.#length + separator;
    const { read, written } = encoder.encodeInto(line, buffer.subarray(start));
    if (read < line.length) return "full";
    if (this.#pendingBytes + written + separator > this.#maxPendingBytes) return "over";
    if (separator) buffer[this.#length] = 0x0a;
    this.#length = start + written;
    this.#lines++;
    this.#pendingBytes += written + separator;
    return "ok";
  }

  #afterWrite(): void {
    this.#removeExitHook ??= onNaturalExit(() => {
      if (this.#pendingBytes > 0) void this.flush();
    });
    if (this.#bufferSize === 0) {
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(() => {
          this.#flushQueued = false;
          this.#sendOpen();
        });
      }
    } else if (this.#length >= this.#bufferSize) {
      this.#sendOpen();
    } else {
      this.#cancelFlushTimer ??= unrefTimeout(() => {
        this.#cancelFlushTimer = undefined;
        this.#sendOpen();
      }, this.#flushIntervalMs);
    }
  }

  /**
   * Sends the open datagram. When the transport is ready and nothing waits
   * before it, the buffer itself goes out, and a synchronous send leaves it
   * free to fill again: no copy, no allocation. Otherwise it is copied to
   * the queue.
   */
  #sendOpen(): void {
    if (this.#length === 0) {
      if (this.#queue.length > 0) this.#drain(false);
      return;
    }
    const transport = this.#transport;
    if (transport === undefined || this.#queue.length > 0) {
      this.#seal();
      return this.#drain(false);
    }
    const datagram: Datagram = { bytes: this.#buffer!.subarray(0, this.#length), lines: this.#lines };
    this.#length = 0;
    this.#lines = 0;
    // A transport that keeps the bytes (an asynchronous send) owns this buffer now.
    if (this.#send(transport, datagram)) this.#buffer = undefined;
  }

  /** Copies the open datagram to the send queue and empties it. */
  #seal(): void {
    if (this.#length === 0 || this.#buffer === undefined) return;
    this.#queue.push({ bytes: this.#buffer.slice(0, this.#length), lines: this.#lines });
    this.#length = 0;
    this.#lines = 0;
  }

  /** Hands queued datagrams to the transport, connecting first when needed. */
  #drain(force: boolean): void {
    const transport = this.#transport;
    if (transport === undefined) return this.#ensureConnecting(force);
    const queue = this.#queue;
    let sent = 0;
    // A failure drops the transport; what is left waits for the next one.
    while (sent < queue.length && this.#transport === transport) this.#send(transport, queue[sent++]);
    queue.splice(0, sent);
    if (queue.length === 0 || this.#transport !== undefined) return;
    // The transport failed. A flush() drops what is left (it was forced to try once and must not wait out
    // the agent); otherwise the rest waits for the next connection after reconnectDelayMs.
    if (this.#flushWaiters > 0) this.#dropQueue();
    else this.#ensureConnecting(false);
  }

  /** Hands one datagram to the transport; returns whether the transport kept its bytes (an asynchronous send). */
  #send(transport: Transport, datagram: Datagram): boolean {
    let result: unknown;
    try {
      result = transport.send(datagram.bytes);
    } catch (error) {
      this.#settle(datagram, error ?? new Error("send failed"), transport);
      return false;
    }
    if (typeof (result as PromiseLike<void> | undefined)?.then !== "function") {
      this.#linesSent.set(datagram.bytes, datagram.lines);
      this.#settle(datagram, undefined, transport);
      return false;
    }
    this.#inFlight.add(datagram);
    (result as PromiseLike<void>).then(
      () => this.#settle(datagram, undefined, transport),
      (error) => this.#settle(datagram, error ?? new Error("send failed"), transport),
    );
    return true;
  }

  /** Accounts for a datagram that was sent, failed, or dropped unsent (`transport` undefined). */
  #settle(datagram: Datagram, error: unknown, transport: Transport | undefined): void {
    this.#inFlight.delete(datagram);
    this.#pendingBytes -= datagram.bytes.length;
    if (error === undefined) {
      this.#stats.sentLines += datagram.lines;
      this.#stats.sentDatagrams++;
    } else {
      this.#stats.droppedLines += datagram.lines;
      if (transport !== undefined) this.#failed(error, transport);
    }
    const waiters = datagram.flushes;
    if (waiters === undefined) return;
    datagram.flushes = undefined;
    for (const waiter of waiters) {
      if (--waiter.remaining > 0) continue;
      this.#flushWaiters--;
      waiter.resolve();
    }
  }

  #await(datagram: Datagram, waiter: FlushWaiter): void {
    (datagram.flushes ??= []).push(waiter);
    waiter.remaining++;
  }

  #ensureConnecting(force: boolean): void {
    if (this.#connecting || this.#closed) return;
    const wait = this.#retryAt - Date.now();
    if (wait > 0 && !force) {
      this.#cancelRetry ??= unrefTimeout(() => {
        this.#cancelRetry = undefined;
        this.#drain(false);
      }, wait);
      return;
    }
    this.#connecting = true;
    const attempt: { transport?: Transport } = {};
    const context: TransportContext = {
      onError: (error, datagram) => {
        if (datagram !== undefined) this.#unsend(datagram);
        this.#failed(error, attempt.transport);
      },
      logger: this.logger,
    };
    new Promise<Transport>((resolve) => resolve(this.#connect(context))).then(
      (transport) => {
        this.#connecting = false;
        if (this.#closed) return void closeQuietly(transport, () => {});
        attempt.transport = transport;
        this.#transport = transport;
        this.#drain(false);
      },
      (error) => {
        this.#connecting = false;
        this.#retryAt = Date.now() + this.#reconnectDelayMs;
        this.#stats.errors++;
        this.#report("connect to", error);
        this.#dropQueue();
      },
    );
  }

  /** Counts and reports an error; unless it is transient, drops the transport so the next send re-creates it. */
  #failed(error: unknown, transport: Transport | undefined): void {
    this.#stats.errors++;
    this.#report("send to", error);
    if (transport === undefined || transport !== this.#transport || isTransient(error)) return;
    this.#transport = undefined;
    this.#retryAt = Date.now() + this.#reconnectDelayMs;
    void closeQuietly(transport, () => {});
  }

  /** Moves a datagram counted as sent to the dropped lines, when the transport learns later that it failed. */
  #unsend(datagram: Uint8Array): void {
    const lines = this.#linesSent.get(datagram);
    if (lines === undefined) return;
    this.#linesSent.delete(datagram);
    this.#stats.sentLines -= lines;
    this.#stats.sentDatagrams--;
    this.#stats.droppedLines += lines;
  }

  /** Drops every queued datagram, e.g. after a failed connection attempt. */
  #dropQueue(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const datagram of queue) this.#settle(datagram, new Error("not connected"), undefined);
  }

  /** Counts a dropped line; warns at most once per errorIntervalMs, so a flood of drops stays cheap. */
  #drop(why: string): void {
    this.#stats.droppedLines++;
    if (this.#dropWarningMuted) return;
    this.#dropWarningMuted = true;
    unrefTimeout(() => (this.#dropWarningMuted = false), this.#errorIntervalMs);
    this.logger.warn(
      `spectator.writer: dropped a line for ${this.#description}: ${why} (${this.#stats.droppedLines} dropped in all)`,
    );
  }

  /** Logs a failure to `<action> <description>`, at most once per interval for each action. */
  #report(action: "connect to" | "send to" | "close", error: unknown): void {
    const suppressed = this.#reports.take(action);
    if (suppressed === undefined) return;
    const more = suppressed > 0 ? ` (${suppressed} similar errors not shown)` : "";
    const said = `cannot ${action} ${this.#description}: `;
    // Transport errors often start with what this line already says; say it once.
    let detail = describeError(error);
    if (detail.toLowerCase().startsWith(said.toLowerCase())) detail = detail.slice(said.length);
    this.logger.error(`spectator.writer: ${said}${detail}${more}`);
  }
}

/** Closes `transport`, passing any failure (a throw or a rejection) to `onError`. */
async function closeQuietly(transport: Transport, onError: (error: unknown) => void): Promise<void> {
  try {
    await transport.close();
  } catch (error) {
    onError(error);
  }
}

/** Errors after which the socket is still good: a full buffer or an oversized datagram. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EAGAIN" || code === "EWOULDBLOCK" || code === "ENOBUFS" || code === "EMSGSIZE";
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
