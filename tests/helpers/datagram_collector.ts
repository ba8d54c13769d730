/**
 * What the test listeners share: the datagrams they received, and waits for
 * more with a bounded timeout. A listener feeds each datagram it reads to
 * {@linkcode DatagramCollector.add} and hands out
 * {@linkcode DatagramCollector.received} as part of itself.
 *
 * @module
 */

/** The datagrams a listener received, and waits for more. */
export interface ReceivedDatagrams {
  /** Every datagram received so far, decoded as UTF-8, in arrival order. */
  readonly datagrams: string[];
  /** The size in bytes of each datagram in {@linkcode datagrams}. */
  readonly sizes: number[];
  /** Every line received so far: the datagrams split on `\n`. */
  lines(): string[];
  /** Resolves with the datagrams once at least `count` arrived; rejects after `timeoutMs` (the listener's default). */
  waitForDatagrams(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves with the lines once at least `count` arrived; rejects after `timeoutMs` (the listener's default). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
}

/** Options for {@linkcode DatagramCollector}. */
export interface DatagramCollectorOptions {
  /** Where the datagrams arrive, for timeout messages, e.g. `port 5000`; called when a wait times out. */
  where(): string;
  /** The default timeout of every wait, in milliseconds. */
  timeoutMs: number;
}

/** Records datagrams and wakes whoever waits for them; see the module documentation. */
export class DatagramCollector {
  /** The view a listener hands out: the same arrays, updated as datagrams arrive. */
  readonly received: ReceivedDatagrams;
  #datagrams: string[] = [];
  #sizes: number[] = [];
  /** The lines in #datagrams, counted as they arrive: a burst's wait need not split them all per datagram. */
  #lineCount = 0;
  #waiters = new Set<() => void>();
  #decoder = new TextDecoder();
  #options: DatagramCollectorOptions;

  constructor(options: DatagramCollectorOptions) {
    this.#options = options;
    const datagrams = this.#datagrams;
    const lines = () => datagrams.flatMap((datagram) => datagram.split("\n"));
    const timeoutMs = options.timeoutMs;
    this.received = {
      datagrams,
      sizes: this.#sizes,
      lines,
      waitForDatagrams: (count, timeout = timeoutMs) =>
        this.waitUntil(
          () => (datagrams.length >= count ? datagrams : undefined),
          () => `${count} datagrams (got ${datagrams.length})`,
          timeout,
        ),
      waitForLines: (count, timeout = timeoutMs) =>
        this.waitUntil(
          () => (this.#lineCount >= count ? lines() : undefined),
          () => `${count} lines (got ${this.#lineCount})`,
          timeout,
        ),
    };
  }

  /** Records one datagram, as received, and wakes the waits. */
  add(datagram: Uint8Array): void {
    const text = this.#decoder.decode(datagram);
    this.#datagrams.push(text);
    this.#lineCount += text.split("\n").length;
    this.#sizes.push(datagram.length);
    this.changed();
  }

  /** Wakes the waits, e.g. after something other than a datagram they wait for arrived. */
  changed(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Resolves with what `done()` returns once that is not `undefined`, checking
   * now and after every {@linkcode changed}; rejects after `timeoutMs`.
   *
   * @param done returns the result once there is one
   * @param what describes what is awaited, for the timeout message
   * @param timeoutMs how long to wait; default the collector's
   */
  waitUntil<T>(done: () => T | undefined, what: () => string, timeoutMs = this.#options.timeoutMs): Promise<T> {
    const ready = done();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()} on ${this.#options.where()}`));
      }, timeoutMs);
      const wake = () => {
        const result = done();
        if (result === undefined) return;
        this.#waiters.delete(wake);
        clearTimeout(timer);
        resolve(result);
      };
      this.#waiters.add(wake);
    });
  }
}
