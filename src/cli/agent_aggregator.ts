/**
 * The aggregation of the local agent stand-in: it takes protocol lines the
 * way SpectatorD does and, once per interval, turns them into what the agent
 * would publish to Atlas. Lines SpectatorD would reject and ids Atlas would
 * reject are collected, not aggregated silently.
 *
 * What each meter type publishes per interval:
 *
 * | symbol | meter | published |
 * | --- | --- | --- |
 * | `c` | Counter | `rate`: the sum of increments per second |
 * | `t` `T` `d` `D` | timers, distribution summaries | `count`, `total`, `max` |
 * | `g` | Gauge | `value`: the last value; kept until its TTL (default 900 s, at least 5 s) passes |
 * | `m` | MaxGauge | `value`: the largest value of the interval |
 * | `A` | AgeGauge | `value`: seconds since the last success (`0` means now) |
 * | `C` `U` | monotonic counters | `rate`: the increase per second since the previous interval |
 *
 * @module
 */

import { atlasLimitProblems } from "../atlas_limits.ts";
import { spectatordProblem } from "./spectatord_rules.ts";

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

/** A line SpectatorD would reject, with the reason. */
export interface RejectedLine {
  /** The line as received (at most 200 characters). */
  line: string;
  /** Why SpectatorD would reject it. */
  problem: string;
  /** How many times it arrived in the interval. */
  times: number;
}

/** An id Atlas would reject, with the reasons. */
export interface RejectedId {
  /** The id as written in the line: `name,key=value,...`. */
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
  /** Meters by `<symbol>:<id>`, sorted by that key. */
  meters: Record<string, MeterSnapshot>;
  /** Lines SpectatorD would reject. */
  rejectedLines: RejectedLine[];
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
}

const DEFAULT_GAUGE_TTL_SECONDS = 900;
const MIN_GAUGE_TTL_SECONDS = 5;
const MAX_SHOWN_LINE = 200;
const MAX_CHECKED_IDS = 100_000;

/**
 * Aggregates protocol lines per interval the way SpectatorD does before it
 * publishes to Atlas. It never throws on input.
 *
 * @example Rates and counts
 * ```ts
 * import { AgentAggregator } from "./agent_aggregator.ts";
 *
 * let now = 0;
 * const aggregator = new AgentAggregator({ now: () => now });
 * aggregator.addDatagram("c:requests:3\nt:latency:0.5\nx:bad:1");
 * now = 5000;
 * const report = aggregator.publish();
 * // report.meters["c:requests"].rate === 0.6
 * // report.meters["t:latency"].count === 1
 * // report.rejectedLines[0].line === "x:bad:1"
 * ```
 */
export class AgentAggregator {
  #now: () => number;
  #maxRejected: number;
  #states = new Map<string, State>();
  #rejectedLines = new Map<string, RejectedLine>();
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
    const problem = spectatordProblem(line);
    if (problem !== undefined) {
      this.#reject(line, problem);
      return;
    }
    const symbol = line[0];
    let ttlSeconds = DEFAULT_GAUGE_TTL_SECONDS;
    let rest = line.slice(1);
    if (rest.startsWith(",")) {
      const colon = rest.indexOf(":");
      ttlSeconds = Math.max(MIN_GAUGE_TTL_SECONDS, Number(rest.slice(1, colon)));
      rest = rest.slice(colon);
    }
    rest = rest.slice(1);
    const colon = rest.indexOf(":");
    const idText = rest.slice(0, colon);
    const valueText = rest.slice(colon + 1);
    const value = symbol === "U" ? Number(BigInt(valueText)) : parseStrtod(valueText);
    const key = `${symbol}:${idText}`;
    let state = this.#states.get(key);
    if (state === undefined) {
      const [name, ...tagTexts] = idText.split(",");
      const tags: Record<string, string> = {};
      for (const tag of tagTexts) {
        const equals = tag.indexOf("=");
        tags[tag.slice(0, equals)] = tag.slice(equals + 1);
      }
      state = { symbol, name, tags, count: 0, total: 0, max: -Infinity, last: NaN, updatedMs: 0, ttlSeconds };
      this.#states.set(key, state);
    }
    this.#checkId(idText, state.name, state.tags);
    this.#update(state, symbol, symbol === "D" ? Math.trunc(value) : value, ttlSeconds);
  }

  #update(state: State, symbol: string, value: number, ttlSeconds: number): void {
    state.updatedMs = this.#now();
    switch (symbol) {
      case "c":
        if (value > 0) state.total += value;
        break;
      case "t":
      case "T":
      case "d":
      case "D":
        if (value >= 0) {
          state.count++;
          state.total += value;
          if (value > state.max) state.max = value;
        }
        break;
      case "m":
        if (!(value <= state.max)) state.max = value;
        break;
      case "g":
        state.ttlSeconds = ttlSeconds;
        state.last = value;
        break;
      case "A":
        state.last = value === 0 ? state.updatedMs / 1000 : value;
        break;
      default: // C, U
        state.last = value;
    }
  }

  #reject(line: string, problem: string): void {
    const shown = line.length > MAX_SHOWN_LINE ? `${line.slice(0, MAX_SHOWN_LINE)}...` : line;
    const known = this.#rejectedLines.get(shown);
    if (known !== undefined) known.times++;
    else if (this.#rejectedLines.size < this.#maxRejected) {
      this.#rejectedLines.set(shown, { line: shown, problem, times: 1 });
    }
  }

  #checkId(idText: string, name: string, tags: Record<string, string>): void {
    let problems = this.#checkedIds.get(idText);
    if (problems === undefined) {
      if (this.#checkedIds.size >= MAX_CHECKED_IDS) this.#checkedIds.clear();
      problems = atlasLimitProblems(name, tags);
      this.#checkedIds.set(idText, problems);
    }
    if (problems.length > 0 && !this.#rejectedIds.has(idText) && this.#rejectedIds.size < this.#maxRejected) {
      this.#rejectedIds.set(idText, { id: idText, problems });
    }
  }

  /**
   * Ends the interval: returns what the agent would publish and starts the
   * next interval. Counters, timers and max gauges start from zero again;
   * gauges are kept until their TTL passes; age gauges and monotonic
   * counters are kept.
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
      let keep = false;
      switch (state.symbol) {
        case "c":
          snapshot.rate = state.total / seconds;
          break;
        case "t":
        case "T":
        case "d":
        case "D":
          snapshot.count = state.count;
          snapshot.total = state.total;
          snapshot.max = state.count > 0 ? state.max : 0;
          break;
        case "m":
          snapshot.value = state.max;
          break;
        case "g":
          snapshot.value = state.last;
          keep = now - state.updatedMs < state.ttlSeconds * 1000;
          break;
        case "A":
          snapshot.value = now / 1000 - state.last;
          keep = true;
          break;
        default: { // C, U
          const previous = state.previous;
          if (previous !== undefined) snapshot.rate = Math.max(0, state.last - previous) / seconds;
          state.previous = state.last;
          keep = true;
        }
      }
      const updatedThisInterval = state.updatedMs >= this.#start;
      if (updatedThisInterval || keep) meters[key] = snapshot;
      if (keep) {
        state.count = 0;
        state.total = 0;
        state.max = -Infinity;
      } else {
        this.#states.delete(key);
      }
    }
    const report: IntervalReport = {
      time: now,
      intervalSeconds: seconds,
      lines: this.#lines,
      meters,
      rejectedLines: [...this.#rejectedLines.values()],
      rejectedIds: [...this.#rejectedIds.values()],
    };
    this.#rejectedLines.clear();
    this.#rejectedIds.clear();
    this.#lines = 0;
    this.#start = now;
    return report;
  }
}

/** Reads a value that passed {@linkcode spectatordProblem} the way `strtod` does. */
function parseStrtod(text: string): number {
  const trimmed = text.trim();
  if (/^[+-]?0x/i.test(trimmed)) {
    const negative = trimmed.startsWith("-");
    const body = trimmed.replace(/^[+-]?0x/i, "");
    const [mantissa, exponent = "0"] = body.split(/p/i);
    const [whole, fraction = ""] = mantissa.split(".");
    let value = 0;
    for (const digit of whole + fraction) value = value * 16 + parseInt(digit, 16);
    value = value * 2 ** (Number(exponent) - 4 * fraction.length);
    return negative ? -value : value;
  }
  if (/^[+-]?nan/i.test(trimmed)) return NaN;
  if (/^[+-]?inf/i.test(trimmed)) return trimmed.startsWith("-") ? -Infinity : Infinity;
  return Number(trimmed);
}
