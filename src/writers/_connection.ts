/**
 * The LineWriter's connection to its transport: it opens the transport when
 * datagrams need it (at once when the factory returns it synchronously),
 * re-creates it after errors at most once per `reconnectDelayMs`, closes one
 * that would keep the process alive once nothing else does, and closes it
 * for good on close(). What is sent, and in which order, is the delivery's
 * (`_delivery.ts`).
 *
 * @module
 */

import { platform } from "../_platform.ts";
import type { Transport, TransportContext } from "../transports/transport.ts";
import type { DeliveryReport } from "./_delivery_report.ts";

/** What the connection tells the delivery it serves. */
export interface ConnectionEvents {
  /** A transport is open: what waits can be sent. */
  opened(): void;
  /** Opening failed; the failure was reported. */
  failed(): void;
  /**
   * A transport reported an error outside `send`: `datagram` when it concerns one already counted as sent,
   * `transport` once the factory has returned it.
   */
  sendFailed(error: unknown, datagram: Uint8Array | undefined, transport: Transport | undefined): void;
  /** Whether datagrams wait or are in flight: a transport is never closed for idleness then. */
  busy(): boolean;
}

/** Options for {@linkcode Connection}. */
export interface ConnectionOptions {
  /** The shortest time between two connection attempts, in milliseconds. */
  reconnectDelayMs: number;
  /** Counts and reports failures; renamed when the transport sends elsewhere than the location says. */
  report: DeliveryReport;
  /** Where the connection's news goes. */
  events: ConnectionEvents;
}

/**
 * Opens, re-creates and closes the transport of one LineWriter. A transport
 * whose `keepsProcessAlive` is set (a socket the runtime cannot unref) is
 * closed while idle once nothing else keeps the process alive, and opened
 * again by the next datagram.
 */
export class Connection {
  readonly #connect: (context: TransportContext) => Transport | Promise<Transport>;
  readonly #logger: TransportContext["logger"];
  readonly #reconnectDelayMs: number;
  readonly #report: DeliveryReport;
  readonly #events: ConnectionEvents;
  #transport: Transport | undefined;
  #connecting = false;
  #reconnectAt = 0;
  #cancelReconnect: (() => void) | undefined;
  #cancelIdleWatch: (() => void) | undefined;
  /** Set by close(): no more connection attempts. */
  #closed = false;

  /**
   * @param connect opens the transport; called lazily, and again after errors
   * @param logger passed to the transport
   * @param options the reconnect delay, the report and the delivery's events
   */
  constructor(
    connect: (context: TransportContext) => Transport | Promise<Transport>,
    logger: TransportContext["logger"],
    options: ConnectionOptions,
  ) {
    this.#connect = connect;
    this.#logger = logger;
    this.#reconnectDelayMs = options.reconnectDelayMs;
    this.#report = options.report;
    this.#events = options.events;
  }

  /** The open transport, if any. */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /**
   * Opens a transport unless one is open or opening: at once when `force`,
   * else once the reconnect delay since the last failure has passed.
   */
  open(force: boolean): void {
    if (this.#connecting || this.#closed || this.#transport !== undefined) return;
    const wait = this.#reconnectAt - Date.now();
    if (wait > 0 && !force) {
      this.#cancelReconnect ??= platform().unrefTimeout(() => {
        this.#cancelReconnect = undefined;
        this.open(false);
      }, wait);
      return;
    }
    this.#connecting = true;
    this.#attempt(
      (transport) => {
        this.#connecting = false;
        if (this.#closed) return void closeQuietly(transport, () => {});
        this.#opened(transport);
      },
      (error) => {
        this.#connecting = false;
        this.#reconnectAt = Date.now() + this.#reconnectDelayMs;
        this.#report.failed("connect to", error);
        this.#events.failed();
      },
    );
  }

  /**
   * The open transport, or one opened now if the factory can return it
   * synchronously; for the process's last moments, when nothing
   * asynchronous will run again.
   */
  openNow(): Transport | undefined {
    if (this.#transport === undefined && !this.#closed) this.#attempt((transport) => this.#opened(transport), () => {});
    return this.#transport;
  }

  /** Closes `transport` if it is the current one; the next datagram opens another after the reconnect delay. */
  drop(transport: Transport): void {
    if (transport !== this.#transport) return;
    this.#reconnectAt = Date.now() + this.#reconnectDelayMs;
    this.#release();
  }

  /** Stops connecting and closes the transport, once `settled` has (a send that closing might not cancel). */
  async close(settled: Promise<unknown> | undefined): Promise<void> {
    this.#closed = true;
    this.#cancelReconnect?.();
    const transport = this.#transport;
    this.#forget();
    if (transport === undefined) return;
    const close = () => closeQuietly(transport, (error) => this.#report.report("close", error));
    if (settled !== undefined) void settled.then(close);
    else await close();
  }

  /** Calls the factory, handing a transport it returns synchronously to `opened` at once. */
  #attempt(opened: (transport: Transport) => void, failed: (error: unknown) => void): void {
    const attempt: { transport?: Transport } = {};
    const context: TransportContext = {
      onError: (error, datagram) => this.#events.sendFailed(error, datagram, attempt.transport),
      logger: this.#logger,
      redirected: (description) => this.#report.redirect(description),
    };
    const keep = (transport: Transport) => {
      attempt.transport = transport;
      opened(transport);
    };
    let result: Transport | Promise<Transport>;
    try {
      result = this.#connect(context);
    } catch (error) {
      return failed(error ?? new Error("connect failed"));
    }
    if (typeof (result as Partial<Promise<Transport>>).then === "function") {
      Promise.resolve(result).then(keep, (error) => failed(error ?? new Error("connect failed")));
    } else {
      keep(result as Transport);
    }
  }

  #opened(transport: Transport): void {
    this.#transport = transport;
    if (transport.keepsProcessAlive === true) {
      this.#cancelIdleWatch = platform().watchIdle(() => {
        if (this.#transport === transport && !this.#events.busy()) this.#release();
      });
    }
    this.#events.opened();
  }

  /** Closes the current transport; the next datagram opens another. */
  #release(): void {
    const transport = this.#transport;
    this.#forget();
    if (transport !== undefined) void closeQuietly(transport, () => {});
  }

  #forget(): void {
    this.#transport = undefined;
    this.#cancelIdleWatch?.();
    this.#cancelIdleWatch = undefined;
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
