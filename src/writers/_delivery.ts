/**
 * The delivery side of the LineWriter: the connection to the transport and
 * its re-creation after errors, the datagrams on their way, flush waiters,
 * and the accounting of what was sent and lost.
 *
 * @module
 */

import { platform } from "../_platform.ts";
import type { Transport, TransportContext } from "../transports/transport.ts";
import type { Datagram } from "./_datagram_buffer.ts";
import type { DeliveryReport } from "./_delivery_report.ts";

/** Options for {@linkcode Delivery}. */
export interface DeliveryOptions {
  /** The shortest time between two connection attempts, in milliseconds. */
  reconnectDelayMs: number;
  /** Counts and reports what happens. */
  report: DeliveryReport;
  /** Called with a datagram's size once it was sent or lost, so the buffer's bound frees it. */
  release(bytes: number): void;
}

/** A datagram on its way, with the flush() calls waiting for it. */
interface Outgoing extends Datagram {
  flushes?: FlushWaiter[];
}

/** One pending flush(): resolves when every datagram it waits for has settled. */
interface FlushWaiter {
  remaining: number;
  resolve: () => void;
}

/**
 * Hands sealed datagrams to a transport it opens on first use and re-creates
 * after errors (at most once per `reconnectDelayMs`), in order.
 */
export class Delivery {
  readonly #connect: (context: TransportContext) => Transport | Promise<Transport>;
  readonly #reconnectDelayMs: number;
  readonly #report: DeliveryReport;
  readonly #release: (bytes: number) => void;
  readonly #logger: TransportContext["logger"];
  /** Datagrams not yet handed to a transport, oldest first. */
  #queue: Outgoing[] = [];
  /** Datagrams handed to the transport whose asynchronous send has not settled. */
  readonly #inFlight = new Set<Outgoing>();
  #transport: Transport | undefined;
  #connecting = false;
  #retryAt = 0;
  #cancelRetry: (() => void) | undefined;
  #flushWaiters = 0;
  /** Set by close(): no more connection attempts. */
  #closed = false;
  /** The line count of each datagram sent synchronously, for a transport that reports its failure later. */
  readonly #linesSent = new WeakMap<Uint8Array, number>();

  /**
   * @param connect opens the transport; called lazily, and again after errors
   * @param logger passed to the transport
   * @param options the reconnect delay, the report, and the bound to release
   */
  constructor(
    connect: (context: TransportContext) => Transport | Promise<Transport>,
    logger: TransportContext["logger"],
    options: DeliveryOptions,
  ) {
    this.#connect = connect;
    this.#logger = logger;
    this.#reconnectDelayMs = options.reconnectDelayMs;
    this.#report = options.report;
    this.#release = options.release;
  }

  /** Whether a datagram given to {@linkcode sendNow} goes straight to the transport: it is open and nothing waits. */
  get ready(): boolean {
    return this.#transport !== undefined && this.#queue.length === 0;
  }

  /**
   * Sends `datagram` now, when {@linkcode ready}; returns whether the
   * transport kept its bytes (an asynchronous send).
   */
  sendNow(datagram: Datagram): boolean {
    return this.#send(this.#transport!, datagram);
  }

  /** Queues `datagram` behind the others and sends what it can. */
  enqueue(datagram: Datagram): void {
    this.#queue.push(datagram);
    this.#drain(false);
  }

  /** Sends what waits, if anything does. */
  resume(): void {
    if (this.#queue.length > 0) this.#drain(false);
  }

  /**
   * Resolves once every datagram handed over so far has been sent or lost.
   * It tries one connection at once, even within the reconnect delay; when
   * the transport fails while a flush waits, what is left is lost, so a
   * flush returns promptly even when the agent is down.
   */
  flush(): Promise<void> {
    const waiter: FlushWaiter = { remaining: 0, resolve: () => {} };
    for (const datagram of this.#queue) this.#await(datagram, waiter);
    for (const datagram of this.#inFlight) this.#await(datagram, waiter);
    if (waiter.remaining === 0) return Promise.resolve();
    this.#flushWaiters++;
    const flushed = new Promise<void>((resolve) => (waiter.resolve = resolve));
    if (this.#queue.length > 0) this.#drain(true);
    return flushed;
  }

  /** Stops connecting and closes the transport; call it after a flush. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelRetry?.();
    const transport = this.#transport;
    this.#transport = undefined;
    if (transport !== undefined) await closeQuietly(transport, (error) => this.#report.report("close", error));
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
  #send(transport: Transport, datagram: Outgoing): boolean {
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
  #settle(datagram: Outgoing, error: unknown, transport: Transport | undefined): void {
    this.#inFlight.delete(datagram);
    this.#release(datagram.bytes.length);
    if (error === undefined) {
      this.#report.sent(datagram.lines);
    } else {
      this.#report.lost(datagram.lines);
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

  #await(datagram: Outgoing, waiter: FlushWaiter): void {
    (datagram.flushes ??= []).push(waiter);
    waiter.remaining++;
  }

  #ensureConnecting(force: boolean): void {
    if (this.#connecting || this.#closed) return;
    const wait = this.#retryAt - Date.now();
    if (wait > 0 && !force) {
      this.#cancelRetry ??= platform().unrefTimeout(() => {
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
      logger: this.#logger,
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
        this.#report.failed("connect to", error);
        this.#dropQueue();
      },
    );
  }

  /** Counts and reports an error; unless it is transient, drops the transport so the next send re-creates it. */
  #failed(error: unknown, transport: Transport | undefined): void {
    this.#report.failed("send to", error);
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
    this.#report.unsent(lines);
  }

  /** Drops every queued datagram, e.g. after a failed connection attempt. */
  #dropQueue(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const datagram of queue) this.#settle(datagram, new Error("not connected"), undefined);
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
