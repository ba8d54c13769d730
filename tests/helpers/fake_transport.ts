/**
 * A fake datagram transport and a LineWriter harness over it, for the
 * writer's tests: each send's outcome is scripted (success, a throw, a
 * rejection, or a send held until released).
 *
 * @module
 */

import { LineWriter, type LineWriterOptions, type Transport, type TransportContext } from "../../mod.ts";
import { type EncodedPrefix, valuePath } from "../../src/writers/_value_path.ts";
import { CollectingLogger } from "./collecting_logger.ts";

const decoder = new TextDecoder();

/** A promise with its resolve and reject functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Makes an error with a Node-style `code`. */
export function codeError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** How a fake transport answers a send: `undefined` succeeds. */
export type Outcome = undefined | { throw: unknown } | { reject: unknown } | { pending: Deferred<void> };

/** An in-memory transport that records datagrams; `sync` sends return nothing, `async` ones a promise. */
export class FakeTransport implements Transport {
  /** Datagrams sent successfully: copies for synchronous sends, the bytes as handed over otherwise. */
  readonly datagrams: Uint8Array[] = [];
  /** Every send attempted, including failed ones. */
  attempts = 0;
  closes = 0;
  /** Decides the outcome of each send; success by default. */
  outcome: (attempt: number) => Outcome = () => undefined;
  /** Makes close() wait for this, when set. */
  closeGate: Promise<void> | undefined;

  constructor(readonly mode: "sync" | "async", readonly context: TransportContext) {}

  send(datagram: Uint8Array): void | Promise<void> {
    const outcome = this.outcome(++this.attempts);
    if (outcome !== undefined && "throw" in outcome) throw outcome.throw;
    if (outcome !== undefined && "reject" in outcome) return Promise.reject(outcome.reject);
    if (outcome !== undefined && "pending" in outcome) {
      return outcome.pending.promise.then(() => void this.datagrams.push(datagram.slice()));
    }
    // A synchronous send is done with the bytes when it returns (the writer
    // fills the same memory again), like a socket that copied them out.
    this.datagrams.push(this.mode === "sync" ? datagram.slice() : datagram);
    // A microtask later, like a runtime whose sends complete asynchronously.
    if (this.mode === "async") return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closes++;
    await this.closeGate;
  }

  /** The datagrams received, decoded. */
  texts(): string[] {
    return this.datagrams.map((datagram) => decoder.decode(datagram));
  }
}

/** A LineWriter over fake transports, with every transport it opened. */
export interface Harness {
  writer: LineWriter;
  logger: CollectingLogger;
  transports: FakeTransport[];
  /** Connection attempts, including failed ones. */
  connects: number;
  /** Every datagram received by every transport, decoded. */
  texts(): string[];
}

/**
 * Builds a LineWriter whose `connect` opens a new FakeTransport; `connect`
 * in `hooks` may fail or delay an attempt, `setup` configures each transport.
 */
export function harness(
  mode: "sync" | "async",
  options: Partial<LineWriterOptions> = {},
  hooks: { connect?: (attempt: number) => Promise<void> | void; setup?: (transport: FakeTransport) => void } = {},
): Harness {
  const logger = new CollectingLogger();
  const h: Harness = {
    logger,
    transports: [],
    connects: 0,
    texts: () => h.transports.flatMap((transport) => transport.texts()),
    writer: new LineWriter((context) => {
      const attempt = ++h.connects;
      const open = () => {
        const transport = new FakeTransport(mode, context);
        hooks.setup?.(transport);
        h.transports.push(transport);
        return transport;
      };
      const gate = hooks.connect?.(attempt);
      return gate === undefined ? open() : gate.then(open);
    }, { description: "fake://test", logger, errorIntervalMs: 60_000, ...options }),
  };
  return h;
}

/** Writes the line `prefix.text + value` through the writer's fast path, as a meter does. */
export function writeValue(writer: LineWriter, prefix: EncodedPrefix, value: number | string): void {
  valuePath(writer)!(prefix, value);
}
