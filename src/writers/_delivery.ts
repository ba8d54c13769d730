/**
 * The delivery side of the LineWriter, the same on every runtime: the order
 * of the datagrams (at most one asynchronous send in flight), sending the
 * head datagram again while the socket is full, giving up on a receiver
 * that takes nothing for `stallMs`, flush waiters, telling the writer when
 * lines can leave again, and the accounting of what was sent and lost. The
 * transport is opened and re-created by the connection (`_connection.ts`).
 *
 * @module
 */

import { type Transport, type TransportContext, TransportError } from "../transports/transport.ts";
import { Connection } from "./_connection.ts";
import type { Datagram } from "./_datagram_buffer.ts";
import type { DeliveryReport } from "./_delivery_report.ts";

/** Options for {@linkcode Delivery}. */
export interface DeliveryOptions {
  /** The shortest time between two connection attempts, in milliseconds. */
  reconnectDelayMs: number;
  /** How long datagrams may wait for a receiver that takes none, in milliseconds. */
  stallMs: number;
  /** Counts and reports what happens. */
  report: DeliveryReport;
  /** Called with a datagram's size once it was sent or lost, so the buffer's bound frees it. */
  release(bytes: number): void;
  /** Called once lines can leave again, after {@linkcode Delivery.wake}. */
  ready(): void;
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

/** What became of one send. */
type Sent = "sent" | "in flight" | "retry" | "lost";

/** Codes after which the same datagram is sent again shortly: the socket is good, only full. */
const RETRY_CODES: ReadonlySet<unknown> = new Set(["EAGAIN", "EWOULDBLOCK", "ENOBUFS", "EINTR"]);
/** Codes that lose the datagram and keep the socket. */
const SKIP_CODES: ReadonlySet<unknown> = new Set(["EMSGSIZE"]);
/** Delays between two tries of a datagram the socket had no room for: short, as a receiver drains in microseconds. */
const FIRST_RETRY_MS = 1;
const LAST_RETRY_MS = 16;

/**
 * Hands sealed datagrams to a transport, in order: it keeps at most one
 * asynchronous send in flight, sends the head datagram again while the
 * socket reports it full, and loses what waits once the receiver has taken
 * nothing for `stallMs`. Its connection opens the transport on first use and
 * re-creates it after errors (at most once per `reconnectDelayMs`).
 */
export class Delivery {
  readonly #connection: Connection;
  readonly #stallMs: number;
  readonly #report: DeliveryReport;
  readonly #release: (bytes: number) => void;
  readonly #ready: () => void;
  /** Datagrams not yet handed to the transport, oldest first. */
  #queue: Outgoing[] = [];
  /** The one datagram whose asynchronous send has not settled. */
  #inFlight: Outgoing | undefined;
  /** A send given up on after stallMs that has not settled yet: until it does, datagrams are lost at once. */
  #stuck: Promise<unknown> | undefined;
  /** Gives up on the send in flight after stallMs. */
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** The timer that tries the head datagram again, while the socket has no room. */
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs = FIRST_RETRY_MS;
  /** When the head datagram first found the socket full; 0 when nothing waits for room. */
  #waitingSince = 0;
  #flushWaiters = 0;
  /** Set by wake(): the writer holds lines until they can leave. */
  #woken = false;
  /** Set by close(): no more connection attempts. */
  #closed = false;
  /** The line count of each datagram sent synchronously, for a transport that reports its failure later. */
  readonly #linesSent = new WeakMap<Uint8Array, number>();

  /**
   * @param connect opens the transport; called lazily, and again after errors
   * @param logger passed to the transport
   * @param options the delays, the report, the bound to release, and the writer to tell when lines can leave
   */
  constructor(
    connect: (context: TransportContext) => Transport | Promise<Transport>,
    logger: TransportContext["logger"],
    options: DeliveryOptions,
  ) {
    this.#stallMs = options.stallMs;
    this.#report = options.report;
    this.#release = options.release;
    this.#ready = options.ready;
    this.#connection = new Connection(connect, logger, {
      reconnectDelayMs: options.reconnectDelayMs,
      report: options.report,
      events: {
        opened: () => this.#drain(false),
        failed: () => {
          this.#loseQueue(undefined);
          // Lines held for the transport (the open datagram, folded updates) wait for the next attempt.
          if (this.#woken) this.#connection.open(false);
        },
        sendFailed: (error, datagram, transport) => this.#sendFailed(error, datagram, transport),
        busy: () => this.#queue.length > 0 || this.#inFlight !== undefined || this.#stuck !== undefined,
      },
    });
  }

  /** Whether a datagram given to {@linkcode sendNow} goes straight to the transport: it is open, and nothing waits or is in flight. */
  get ready(): boolean {
    return this.#connection.transport !== undefined && this.#queue.length === 0 && this.#inFlight === undefined &&
      this.#stuck === undefined;
  }

  /**
   * Whether lines cannot leave now but will: the transport is opening (or
   * waits for the reconnect delay), or datagrams wait for a send in flight
   * or for room in the socket. Not after close(), nor while a send given up
   * on is stuck (then lines are lost at once).
   */
  get waiting(): boolean {
    return !this.ready && this.#stuck === undefined && !this.#closed;
  }

  /**
   * The writer holds lines until they can leave: opens the transport if
   * needed, and calls `ready` once lines can leave.
   */
  wake(): void {
    this.#woken = true;
    this.#connection.open(false);
    this.#notifyReady();
  }

  /**
   * Sends `datagram`, a view of memory its owner fills again, now; call it
   * only when {@linkcode ready}. Returns whether the transport kept the
   * memory (an asynchronous send); when the socket is full, a copy waits.
   */
  sendNow(datagram: Datagram): boolean {
    const sent = this.#send(this.#connection.transport!, datagram);
    if (sent === "retry") {
      this.#queue.push({ bytes: datagram.bytes.slice(), lines: datagram.lines });
      this.#waitForRoom();
    }
    return sent === "in flight";
  }

  /** Queues `datagram`, which owns its memory, behind the others and sends what it can. */
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
    if (this.#inFlight !== undefined) this.#await(this.#inFlight, waiter);
    if (waiter.remaining === 0) return Promise.resolve();
    this.#flushWaiters++;
    const flushed = new Promise<void>((resolve) => (waiter.resolve = resolve));
    this.#drain(true);
    return flushed;
  }

  /**
   * For the process's last moments, when nothing asynchronous will run
   * again: hands every datagram that waits to the transport now, opening one
   * if the factory can return it synchronously, without waiting for a full
   * socket or for a send in flight (order no longer matters; an
   * asynchronous send may still leave). What fails is lost.
   */
  sendBeforeExit(): void {
    if (this.#queue.length === 0 || this.#stuck !== undefined || this.#closed) return;
    const transport = this.#connection.openNow();
    if (transport === undefined) return;
    const queue = this.#queue;
    this.#queue = [];
    for (const datagram of queue) {
      try {
        const sending = transport.send(datagram.bytes);
        if (sending instanceof Promise) sending.catch(() => {});
      } catch {
        // Lost: the process is ending.
      }
    }
  }

  /** Stops connecting and closes the transport, once a send given up on has settled; call it after a flush. */
  close(): Promise<void> {
    this.#closed = true;
    // Closing a socket under a pending send may not cancel it (Deno): close once it has settled.
    return this.#connection.close(this.#stuck);
  }

  /** Hands queued datagrams to the transport in order, connecting first when needed; tells a woken writer once lines can leave. */
  #drain(force: boolean): void {
    this.#drainQueue(force);
    this.#notifyReady();
  }

  #drainQueue(force: boolean): void {
    if (this.#retryTimer !== undefined || this.#inFlight !== undefined) return;
    if (this.#stuck !== undefined) return this.#loseQueue(this.#stalled());
    const transport = this.#connection.transport;
    if (transport === undefined) return this.#connection.open(force);
    const queue = this.#queue;
    let taken = 0;
    let sent: Sent = "sent";
    while (taken < queue.length) {
      sent = this.#send(transport, queue[taken]);
      if (sent === "retry") break;
      taken++;
      if (sent === "in flight" || this.#connection.transport !== transport) break;
    }
    queue.splice(0, taken);
    if (sent === "retry") return this.#waitForRoom();
    if (this.#connection.transport === undefined) this.#transportLost();
  }

  #notifyReady(): void {
    if (!this.#woken || !this.ready) return;
    this.#woken = false;
    this.#ready();
  }

  /**
   * After the transport failed: a flush() loses what is left (it was forced
   * to try once and must not wait out the agent); otherwise the rest waits
   * for the next connection after reconnectDelayMs.
   */
  #transportLost(): void {
    if (this.#queue.length === 0) return;
    if (this.#flushWaiters > 0) this.#loseQueue(undefined);
    else this.#connection.open(false);
  }

  /** Hands one datagram to the transport; a datagram that is not sent again is settled here. */
  #send(transport: Transport, datagram: Outgoing): Sent {
    let result: unknown;
    try {
      result = transport.send(datagram.bytes);
    } catch (error) {
      return this.#failed(datagram, error ?? new Error("send failed"), transport);
    }
    if (typeof (result as PromiseLike<void> | undefined)?.then !== "function") {
      this.#waitingSince = 0;
      this.#linesSent.set(datagram.bytes, datagram.lines);
      this.#settle(datagram, true);
      return "sent";
    }
    const sending = Promise.resolve(result as PromiseLike<void>);
    this.#inFlight = datagram;
    // Not unref'd, like the retry timer: it runs only while a send is in flight, for stallMs at most.
    this.#stallTimer = setTimeout(() => this.#giveUp(sending), this.#stallMs);
    sending.then(
      () => this.#landed(datagram, undefined, transport),
      (error) => this.#landed(datagram, error ?? new Error("send failed"), transport),
    );
    return "in flight";
  }

  /** The end of an asynchronous send. */
  #landed(datagram: Outgoing, error: unknown, transport: Transport): void {
    if (datagram !== this.#inFlight) {
      // The send given up on after stallMs: already counted as lost.
      this.#stuck = undefined;
      return this.#drain(false);
    }
    this.#inFlight = undefined;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (error === undefined) {
      this.#waitingSince = 0;
      this.#settle(datagram, true);
    } else if (this.#failed(datagram, error, transport) === "retry") {
      this.#queue.unshift(datagram);
      return this.#waitForRoom();
    } else if (this.#connection.transport === undefined) {
      return this.#transportLost();
    }
    this.#drain(false);
  }

  /**
   * Sorts out a failed send: a full socket sends the datagram again soon
   * (`retry`); otherwise it is lost and reported, and unless only that
   * datagram was at fault (`EMSGSIZE`), the transport is dropped.
   */
  #failed(datagram: Outgoing, error: unknown, transport: Transport): Sent {
    const code = (error as { code?: unknown } | null)?.code;
    if (RETRY_CODES.has(code)) return "retry";
    this.#settle(datagram, false);
    this.#report.failed("send to", error);
    if (!SKIP_CODES.has(code)) this.#connection.drop(transport);
    return "lost";
  }

  /** A failure the transport reported after `send` returned; a datagram counted as sent is counted as lost instead. */
  #sendFailed(error: unknown, datagram: Uint8Array | undefined, transport: Transport | undefined): void {
    if (datagram !== undefined) this.#unsend(datagram);
    this.#report.failed("send to", error);
    const code = (error as { code?: unknown } | null)?.code;
    if (transport !== undefined && !RETRY_CODES.has(code) && !SKIP_CODES.has(code)) this.#connection.drop(transport);
  }

  /** Tries the head datagram again after a short delay, or loses what waits once the receiver stalled. */
  #waitForRoom(): void {
    const now = Date.now();
    if (this.#waitingSince === 0) {
      this.#waitingSince = now;
      this.#retryDelayMs = FIRST_RETRY_MS;
    } else if (now - this.#waitingSince >= this.#stallMs) {
      this.#waitingSince = 0;
      return this.#loseQueue(this.#stalled());
    }
    // Not unref'd on purpose: it runs only while datagrams wait, for stallMs at most, so a program that ends
    // during a burst still delivers it.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, LAST_RETRY_MS);
      this.#drain(false);
    }, this.#retryDelayMs);
  }

  /** Gives up on an asynchronous send that has not settled within stallMs: it and what waits are lost. */
  #giveUp(sending: Promise<void>): void {
    const datagram = this.#inFlight!;
    this.#inFlight = undefined;
    this.#stallTimer = undefined;
    this.#stuck = sending.catch(() => {});
    const error = this.#stalled();
    this.#settle(datagram, false);
    this.#report.failed("send to", error);
    this.#loseQueue(error);
  }

  #stalled(): TransportError {
    return new TransportError(
      "EAGAIN",
      `Cannot send to ${this.#report.description}: the receiver took no datagram for ${this.#stallMs} ms (EAGAIN)`,
    );
  }

  /** Accounts for a datagram that was sent or lost, and wakes the flushes waiting for it. */
  #settle(datagram: Outgoing, sent: boolean): void {
    this.#release(datagram.bytes.length);
    if (sent) this.#report.sent(datagram.lines);
    else this.#report.lost(datagram.lines);
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

  /** Loses every queued datagram, reporting `error` for each, or nothing (a failed connection was reported). */
  #loseQueue(error: unknown): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const datagram of queue) {
      this.#settle(datagram, false);
      if (error !== undefined) this.#report.failed("send to", error);
    }
  }

  /** Moves a datagram counted as sent to the lost lines, when the transport learns later that it failed. */
  #unsend(datagram: Uint8Array): void {
    const lines = this.#linesSent.get(datagram);
    if (lines === undefined) return;
    this.#linesSent.delete(datagram);
    this.#report.unsent(lines);
  }
}
