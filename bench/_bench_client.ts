/**
 * The contract between the UDP benchmark (bench/udp_bench.ts) and the clients
 * it measures: the cases, what a client offers for each, and the meters the
 * cases update.
 *
 * @module
 */

/** The clients the UDP benchmark can measure. */
export type ClientKind = "spectator" | "spectator-js" | "hot-shots" | "hot-shots-buffered";

/** The cases, in the order they run. */
export type CaseName = "hot" | "tagged" | "distinct" | "timer" | "aggregated" | "burst";

/** Every case. */
export const CASES: readonly CaseName[] = ["hot", "tagged", "distinct", "timer", "aggregated", "burst"];

/** Every client. */
export const CLIENTS: readonly ClientKind[] = ["spectator", "spectator-js", "hot-shots", "hot-shots-buffered"];

/** The counter's name in every counter case. */
export const COUNTER_NAME = "server.requestCount";

/** The timer's name. */
export const TIMER_NAME = "server.requestLatency";

/** The tags of the pre-made meters (hot, timer, aggregated, burst). */
export const METER_TAGS: Readonly<Record<string, string>> = { status: "200", method: "GET" };

/** The tags of the counter made per call (keys of two characters or more: spectator-js rejects shorter ones). */
export const CALL_TAGS: Readonly<Record<string, string>> = { app: "web", zone: "1a" };

/** How many counters the distinct case cycles through: more than one stretch updates, so no id repeats in a turn. */
export const DISTINCT_IDS = 10_000;

/** Pre-aggregation interval asked of the clients that have it. */
export const AGGREGATE_INTERVAL_MS = 1000;

/** Where the lines go: the receiver's UDP address. */
export interface ReceiverAddress {
  host: string;
  port: number;
}

/** Options for one client instance. */
export interface ClientOptions {
  aggregate?: boolean;
  maxPendingBytes?: number;
  /** `false` asks @spectator/client to send every update as its own line (the `fold` option). */
  fold?: boolean;
}

/** One client instance under test: the updates of one case, flush, close and client-side losses. */
export interface BenchClient {
  /** Runs `n` updates of the case's kind synchronously. */
  op: (n: number) => void;
  /** Hands everything written so far to the socket. */
  flush: () => Promise<void>;
  /** Flushes and releases the socket. */
  close: () => Promise<void>;
  /** Lines the client itself dropped (spectator), or send errors it reported (the others). */
  drops: () => number;
}

/** The timer value of the `i`-th update, in seconds: spread over 1024 values so lines differ. */
export function timerSeconds(i: number): number {
  return 0.000123 * (i & 1023);
}

/** The registry methods the counter and timer cases use: @spectator/client's and spectator-js's alike. */
export interface MeterFactory {
  counter(name: string, tags?: Record<string, string>): { increment(): unknown };
  timer(name: string, tags?: Record<string, string>): { record(seconds: number): unknown };
}

/** The updates of a counter or timer case (`hot`, `tagged`, `distinct`, `timer`, `burst`) on `registry`. */
export function meterOp(name: CaseName, registry: MeterFactory): (n: number) => void {
  if (name === "tagged") {
    return ownLoop("registry.counter(name, tags).increment()", { registry, name: COUNTER_NAME, tags: CALL_TAGS });
  }
  if (name === "distinct") return roundRobinOp(registry, DISTINCT_IDS);
  if (name === "timer") {
    const timer = registry.timer(TIMER_NAME, METER_TAGS);
    return ownLoop("timer.record(seconds(++state.i))", { timer, seconds: timerSeconds, state: { i: 0 } });
  }
  return ownLoop("counter.increment()", { counter: registry.counter(COUNTER_NAME, METER_TAGS) });
}

/** Numbers the loops ownLoop compiles, so no two share a source text (and with it a compiled function). */
let loops = 0;

/**
 * `(n) => { for (let k = 0; k < n; k++) <body>; }` over `names`, compiled
 * afresh for each client: two clients measured in one process
 * (bench/side_by_side.ts) then share no call site, whose feedback would see
 * both libraries' meters and slow both down.
 */
function ownLoop(body: string, names: Record<string, unknown>): (n: number) => void {
  const keys = Object.keys(names);
  const source = `/* loop ${++loops} */ return (n) => { for (let k = 0; k < n; k++) ${body}; };`;
  return new Function(...keys, source)(...keys.map((key) => names[key]));
}

/**
 * Updates that increment `ids` pre-made counters in turn, each with its own
 * id (`COUNTER_NAME` with the meter tags and `id=i<k>`), so an id repeats only
 * every `ids` updates.
 */
export function roundRobinOp(registry: MeterFactory, ids: number): (n: number) => void {
  const counters = Array.from(
    { length: ids },
    (_, k) => registry.counter(COUNTER_NAME, { ...METER_TAGS, id: `i${k}` }),
  );
  let next = 0;
  return (n) => {
    for (let k = 0; k < n; k++) {
      counters[next].increment();
      if (++next === ids) next = 0;
    }
  };
}

/** `udp://host:port`, with an IPv6 host in brackets. */
export function udpLocation(receiver: ReceiverAddress): string {
  const host = receiver.host.includes(":") ? `[${receiver.host}]` : receiver.host;
  return `udp://${host}:${receiver.port}`;
}
