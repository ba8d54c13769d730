/**
 * The aggregation of the local agent stand-in: it takes protocol lines the
 * way SpectatorD does (see `_spectatord_rules.ts` for the parser and the
 * SpectatorD version followed) and, once per interval, turns them into what
 * the agent would publish to Atlas. Meters are keyed by the id SpectatorD
 * builds: names and tags sanitized, tags sorted, a repeated key's last value
 * winning. Lines SpectatorD would reject, lines it warns about and ids Atlas
 * would reject are collected, not aggregated silently.
 *
 * What each meter type publishes per interval; a meter with nothing to
 * publish is not shown, as SpectatorD sends nothing for it:
 *
 * | symbol | meter | published | nothing when |
 * | --- | --- | --- | --- |
 * | `c` | Counter | `rate`: the sum of increments per second | the sum is not above 0 |
 * | `t` `T` | timers | `count`, `total`, `max` in seconds, each sample cut to whole nanoseconds (samples of 2^63 ns or more, about 292 years, are dropped) | the count is 0 |
 * | `d` `D` | distribution summaries | `count`, `total`, `max` (`D` amounts cut to integers; 2^63 or more dropped) | the count is 0 |
 * | `g` | Gauge | `value`: the last value, kept until its TTL (default 900 s, at least 5 s; a line without one keeps the gauge's TTL) passes | the value is NaN |
 * | `m` | MaxGauge | `value`: the largest value of the interval | nothing raised it (NaN never does) |
 * | `A` | AgeGauge | `value`: seconds since the last success (`0` means now) | never |
 * | `C` `U` | monotonic counters | `rate`: the increase per second since the previous interval (`U` wraps past 2^64; an increase over 2^63 shows as 0, as SpectatorD takes it for a reset) | the increase is not above 0 |
 * | `X` | monotonic counter with sample times | nothing: SpectatorD parses it and publishes nothing | always |
 *
 * `T` and `t` lines with the same id record into one timer, as in SpectatorD
 * (a percentile timer records into the timer of its id); `D` and `d` into one
 * distribution summary. It is shown as `T` (`D`) once a percentile line came.
 * SpectatorD also counts a percentile meter's samples per bucket, in counters
 * tagged `statistic=percentile`; the stand-in does not show those.
 *
 * @module
 */

import { atlasLimitProblems } from "../atlas_limits.ts";
import { parseSpectatordLine, type SpectatordLine } from "./_spectatord_rules.ts";

/** One meter as the agent would publish it for an interval. */
export interface MeterSnapshot {
  /** The protocol symbol, e.g. `c`. */
  symbol: string;
  /** The meter's name. */
  name: string;
  /** The meter's tags. */
  tags: Record<string, string>;
  /** Counters and monotonic counters: the rate per second. */
  rate?: number;
  /** Timers and distribution summaries: the number of recordings. */
  count?: number;
  /** Timers and distribution summaries: the sum of the amounts. */
  total?: number;
  /** Timers and distribution summaries: the largest amount. */
  max?: number;
  /** Gauges, max gauges and age gauges: the value. */
  value?: number;
}

/** A line SpectatorD would reject or warn about, with the reason. */
export interface RejectedLine {
  /** The line as received (at most 200 characters). */
  line: string;
  /** Why SpectatorD would reject it, or its warning. */
  problem: string;
  /** How many times it arrived in the interval. */
  times: number;
}

/** An id Atlas would reject, with the reasons. */
export interface RejectedId {
  /** The id as SpectatorD builds it: `name,key=value,...`. */
  id: string;
  /** What Atlas would reject about it. */
  problems: string[];
}

/** What the agent would publish for one interval. */
export interface IntervalReport {
  /** The end of the interval, epoch milliseconds. */
  time: number;
  /** The interval's length in seconds. */
  intervalSeconds: number;
  /** Lines received in the interval. */
  lines: number;
  /**
   * Meters by `<symbol>:<id>`, sorted by that key, with the id as SpectatorD
   * builds it; `T` counts as `t` and `D` as `d` here, since they share a meter.
   */
  meters: Record<string, MeterSnapshot>;
  /** Lines SpectatorD would reject. */
  rejectedLines: RejectedLine[];
  /** Lines SpectatorD accepts but logs a warning about (the characters after the value it ignores). */
  warnedLines: RejectedLine[];
  /** Ids Atlas would reject. */
  rejectedIds: RejectedId[];
}

/** Options for {@linkcode AgentAggregator}. */
export interface AgentAggregatorOptions {
  /** The clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** The most distinct rejected lines kept per interval; default 100. */
  maxRejected?: number;
}

interface State {
  symbol: string;
  name: string;
  tags: Record<string, string>;
  count: number;
  total: number;
  max: number;
  last: number;
  updatedMs: number;
  ttlSeconds: number;
  previous?: number;
  /** `U`: the current and previous unsigned 64-bit values. */
  uint: bigint;
  previousUint?: bigint;
}

const DEFAULT_GAUGE_TTL_SECONDS = 900;
const MIN_GAUGE_TTL_SECONDS = 5;
/** SpectatorD's default `--meter_ttl`: a meter not updated for this long is dropped. */
const METER_TTL_MS = 900_000;
const MAX_SHOWN_LINE = 200;
const MAX_CHECKED_IDS = 100_000;
const TWO_TO_64 = 2n ** 64n;
/** A `U` increase above this (about 2^63) is published as 0: SpectatorD takes it for a reset, not growth. */
const UINT_OVERFLOW = 9.223372e18;
/** A max gauge's value before anything raised it: the lowest finite double, which SpectatorD never publishes. */
const NO_MAX = -Number.MAX_VALUE;
const TWO_TO_63 = 2 ** 63;

/** C's conversion of a double to int64 as x86-64 does it: cut toward zero; NaN and out of range give -2^63. */
function toInt64(value: number): number {
  return value >= -TWO_TO_63 && value < TWO_TO_63 ? Math.trunc(value) : -TWO_TO_63;
}

/**
 * Aggregates protocol lines per interval the way SpectatorD does before it
 * publishes to Atlas. It never throws on input.
 *
 * @example Rates and counts
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { AgentAggregator } from "./agent_aggregator.ts";
 *
 * let now = 0;
 * const aggregator = new AgentAggregator({ now: () => now });
 * aggregator.addDatagram("c:requests:3\nt:latency:0.5\nx:bad:1");
 * now = 5000;
 * const report = aggregator.publish();
 * strictEqual(report.meters["c:requests"].rate, 0.6);
 * strictEqual(report.meters["t:latency"].count, 1);
 * strictEqual(report.rejectedLines[0].line, "x:bad:1");
 * ```
 *
 * @example One meter per id SpectatorD builds
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { AgentAggregator } from "./agent_aggregator.ts";
 *
 * const aggregator = new AgentAggregator();
 * aggregator.addDatagram("c:n,b=2,a=1:1\nc:n,a=1,b=2:1\nc:a b:1\nc:a_b:1");
 * deepStrictEqual(Object.keys(aggregator.publish().meters), ["c:a_b", "c:n,a=1,b=2"]);
 * ```
 */
export class AgentAggregator {
  #now: () => number;
  #maxRejected: number;
  #states = new Map<string, State>();
  #rejectedLines = new Map<string, RejectedLine>();
  #warnedLines = new Map<string, RejectedLine>();
  #rejectedIds = new Map<string, RejectedId>();
  #checkedIds = new Map<string, string[]>();
  #lines = 0;
  #totalLines = 0;
  #start: number;

  /**
   * Creates an aggregator whose first interval starts now.
   *
   * @param options the clock and bounds
   */
  constructor(options: AgentAggregatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxRejected = options.maxRejected ?? 100;
    this.#start = this.#now();
  }

  /**
   * Takes one datagram: lines separated by `\n`; a NUL ends it, as in SpectatorD.
   *
   * @param text the datagram, decoded as UTF-8
   */
  addDatagram(text: string): void {
    const nul = text.indexOf("\0");
    const content = nul >= 0 ? text.slice(0, nul) : text;
    for (const line of content.split("\n")) {
      if (line !== "") this.addLine(line);
    }
  }

  /** The lines taken since the aggregator was created, rejected ones included. */
  get totalLines(): number {
    return this.#totalLines;
  }

  /**
   * Takes one protocol line (without its `\n`).
   *
   * @param line the line
   */
  addLine(line: string): void {
    this.#lines++;
    this.#totalLines++;
    const parsed = parseSpectatordLine(line);
    if (typeof parsed === "string") {
      this.#collect(this.#rejectedLines, line, parsed);
      return;
    }
    if (parsed.warning !== undefined) this.#collect(this.#warnedLines, line, parsed.warning);
    if (parsed.symbol === "X") return; // parsed, and recorded nowhere
    const family = parsed.symbol === "T" ? "t" : parsed.symbol === "D" ? "d" : parsed.symbol;
    const key = `${family}:${parsed.id}`;
    let state = this.#states.get(key);
    if (state === undefined) {
      state = {
        symbol: parsed.symbol,
        name: parsed.name,
        tags: parsed.tags,
        count: 0,
        total: 0,
        max: parsed.symbol === "m" ? NO_MAX : -Infinity,
        last: NaN,
        updatedMs: 0,
        ttlSeconds: DEFAULT_GAUGE_TTL_SECONDS,
        uint: 0n,
      };
      this.#states.set(key, state);
    }
    if (parsed.symbol === "T" || parsed.symbol === "D") state.symbol = parsed.symbol;
    this.#checkId(parsed);
    this.#update(state, parsed);
  }

  #update(state: State, parsed: SpectatordLine): void {
    state.updatedMs = this.#now();
    const { symbol, value, option } = parsed;
    if (typeof value === "bigint") { // U
      state.uint = value;
      return;
    }
    switch (symbol) {
      case "c":
        if (!(value < 0)) state.total += value; // a NaN spoils the interval's sum, as in SpectatorD
        break;
      case "t":
      case "T": // whole nanoseconds, as SpectatorD records them
        this.#record(state, toInt64(value * 1e9));
        break;
      case "D":
        this.#record(state, toInt64(value));
        break;
      case "d":
        this.#record(state, value);
        break;
      case "m":
        if (value > state.max) state.max = value;
        break;
      case "g":
        if (option !== undefined) state.ttlSeconds = Math.max(MIN_GAUGE_TTL_SECONDS, option);
        state.last = value;
        break;
      case "A":
        state.last = value === 0 ? state.updatedMs / 1000 : value;
        break;
      default: // C
        state.last = value;
    }
  }

  /** Records one timer or distribution summary sample; negative ones (and NaN) are dropped. */
  #record(state: State, amount: number): void {
    if (!(amount >= 0)) return;
    state.count++;
    state.total += amount;
    if (amount > state.max) state.max = amount;
  }

  #collect(lines: Map<string, RejectedLine>, line: string, problem: string): void {
    const shown = line.length > MAX_SHOWN_LINE ? `${line.slice(0, MAX_SHOWN_LINE)}...` : line;
    const known = lines.get(shown);
    if (known !== undefined) known.times++;
    else if (lines.size < this.#maxRejected) lines.set(shown, { line: shown, problem, times: 1 });
  }

  #checkId({ symbol, id, name, tags }: SpectatordLine): void {
    const percentiles = symbol === "T" || symbol === "D";
    const checked = `${percentiles ? "%" : ""}${id}`;
    let problems = this.#checkedIds.get(checked);
    if (problems === undefined) {
      if (this.#checkedIds.size >= MAX_CHECKED_IDS) this.#checkedIds.clear();
      problems = atlasLimitProblems(name, tags, { percentiles });
      this.#checkedIds.set(checked, problems);
    }
    if (problems.length > 0 && !this.#rejectedIds.has(id) && this.#rejectedIds.size < this.#maxRejected) {
      this.#rejectedIds.set(id, { id, problems });
    }
  }

  /**
   * Ends the interval: returns what the agent would publish and starts the
   * next interval. Counters, timers and max gauges start from zero again;
   * age gauges are kept; gauges and monotonic counters are kept until not
   * updated for SpectatorD's meter TTL of 15 minutes (a gauge: or its own
   * TTL, if longer), so a gauge keeps its TTL across lines without one.
   *
   * @returns the interval's report
   */
  publish(): IntervalReport {
    const now = this.#now();
    const seconds = Math.max(now - this.#start, 1) / 1000;
    const meters: Record<string, MeterSnapshot> = {};
    for (const key of [...this.#states.keys()].sort()) {
      const state = this.#states.get(key)!;
      const snapshot: MeterSnapshot = { symbol: state.symbol, name: state.name, tags: state.tags };
      const idleMs = now - state.updatedMs;
      let published = false;
      let keep = idleMs < METER_TTL_MS;
      switch (state.symbol) {
        case "c":
          snapshot.rate = state.total / seconds;
          published = state.total > 0;
          keep = false;
          break;
        case "t":
        case "T":
        case "d":
        case "D": {
          const scale = state.symbol === "t" || state.symbol === "T" ? 1e9 : 1; // timers: nanoseconds to seconds
          snapshot.count = state.count;
          snapshot.total = state.total / scale;
          snapshot.max = state.max / scale;
          published = state.count > 0;
          keep = false;
          break;
        }
        case "m":
          snapshot.value = state.max;
          published = state.max !== NO_MAX;
          keep = false;
          break;
        case "g":
          snapshot.value = state.last;
          published = idleMs <= state.ttlSeconds * 1000 && !Number.isNaN(state.last);
          keep = idleMs < Math.max(METER_TTL_MS, state.ttlSeconds * 1000); // SpectatorD keeps the TTL as long as the meter
          break;
        case "A":
          snapshot.value = now / 1000 - state.last;
          published = true;
          keep = true;
          break;
        case "C":
          if (state.previous !== undefined) snapshot.rate = (state.last - state.previous) / seconds;
          state.previous = state.last;
          published = snapshot.rate! > 0;
          break;
        default: // U
          if (state.previousUint !== undefined) {
            const increase = Number((state.uint - state.previousUint + TWO_TO_64) % TWO_TO_64);
            snapshot.rate = increase > UINT_OVERFLOW ? 0 : increase / seconds;
            published = increase > 0;
          }
          state.previousUint = state.uint;
      }
      if (published) meters[key] = snapshot;
      if (!keep) this.#states.delete(key);
    }
    const report: IntervalReport = {
      time: now,
      intervalSeconds: seconds,
      lines: this.#lines,
      meters,
      rejectedLines: [...this.#rejectedLines.values()],
      warnedLines: [...this.#warnedLines.values()],
      rejectedIds: [...this.#rejectedIds.values()],
    };
    this.#rejectedLines.clear();
    this.#warnedLines.clear();
    this.#rejectedIds.clear();
    this.#lines = 0;
    this.#start = now;
    return report;
  }
}
