/**
 * What the live view of the agent stand-in keeps: the recent history of each
 * meter, built from the aggregator's interval reports, and the lines and ids
 * those reports reject. Everything is bounded: at most `maxMeters` meters and
 * `maxIntervals` points per series; ids past the bound are counted, not kept.
 *
 * Each meter becomes one to three series, one point per interval:
 *
 * | symbols | kind | series |
 * | --- | --- | --- |
 * | `c` `C` `U` `X` | `rate` | `rate/s` (0 in an interval where nothing was published) |
 * | `g` `m` | `value` | `value` (a gap where nothing was published) |
 * | `A` | `age` | `age s` |
 * | `t` `T` | `timer` | `count` (0 when nothing was recorded), `mean s`, `max s` |
 * | `d` `D` | `timer` | `count`, `mean`, `max` |
 *
 * @module
 */

import type { IntervalReport, MeterSnapshot, RejectedId, RejectedLine } from "../agent_aggregator.ts";

/** A point: a number, `null` for a gap, or `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON has no spelling for them). */
export type ViewPoint = number | string | null;

/** How a meter is charted; see the module's table. */
export type ViewKind = "rate" | "value" | "age" | "timer";

/** One meter of the live view. */
export interface ViewMeter {
  /** The aggregator's key, `<symbol>:<id>` (`T` as `t`, `D` as `d`). */
  key: string;
  /** The protocol symbol, e.g. `c`. */
  symbol: string;
  /** The meter's name. */
  name: string;
  /** The meter's tags. */
  tags: Record<string, string>;
  /** How it is charted. */
  kind: ViewKind;
  /** The series' labels, e.g. `["rate/s"]`. */
  labels: string[];
  /** One array of points per label, the newest last; they end at the newest interval. */
  series: ViewPoint[][];
}

/** A rejected or warned line with the last time it arrived. */
export interface ViewLine extends RejectedLine {
  /** The end of the last interval it arrived in, epoch milliseconds. */
  lastSeen: number;
}

/** An id Atlas would reject, with the last time it arrived. */
export interface ViewId extends RejectedId {
  /** The end of the last interval it arrived in, epoch milliseconds. */
  lastSeen: number;
}

/** The bounds of what the view keeps. */
export interface ViewLimits {
  /** The most meters kept. */
  maxMeters: number;
  /** The most intervals (points per series) kept. */
  maxIntervals: number;
  /** The most rejected lines, warned lines and rejected ids kept, each. */
  maxRejections: number;
}

/** The problems the view lists, the most recent first. */
export interface ViewRejections {
  /** Lines SpectatorD would reject. */
  rejectedLines: ViewLine[];
  /** Lines SpectatorD accepts with a warning. */
  warnedLines: ViewLine[];
  /** Ids Atlas would reject. */
  rejectedIds: ViewId[];
}

/** Everything the view holds: what a page gets when it connects. */
export interface ViewSnapshot extends ViewRejections {
  /** The bounds. */
  limits: ViewLimits;
  /** The end of each interval kept, epoch milliseconds, the newest last. */
  times: number[];
  /** The lines received in each interval kept. */
  lines: number[];
  /** The meters, sorted by key. */
  meters: ViewMeter[];
  /** The latest interval with ids the view left out, being full; null when there was none. */
  leftOut: LeftOut | null;
}

/** Ids the view left out of one interval, being full. */
export interface LeftOut {
  /** How many. */
  ids: number;
  /** The end of the interval, epoch milliseconds. */
  time: number;
}

/** What one interval adds to a {@linkcode ViewSnapshot}. */
export interface ViewInterval extends ViewRejections {
  /** The end of the interval, epoch milliseconds. */
  time: number;
  /** The lines received in it. */
  lines: number;
  /** Meters seen for the first time (their series hold only this interval's points). */
  added: ViewMeter[];
  /** Keys of meters dropped, having published nothing for `maxIntervals` intervals. */
  removed: string[];
  /** This interval's point of each series of every other meter kept, by key. */
  points: Record<string, ViewPoint[]>;
  /** The latest interval with ids the view left out, being full (this one or an earlier one); null when there was none. */
  leftOut: LeftOut | null;
}

/**
 * The default bounds: 500 meters, 120 intervals (10 minutes at 5 s), 100 of each kind of rejection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_VIEW_LIMITS } from "./_history.ts";
 *
 * assert.equal(DEFAULT_VIEW_LIMITS.maxMeters, 500);
 * ```
 */
export const DEFAULT_VIEW_LIMITS: Readonly<ViewLimits> = Object.freeze({
  maxMeters: 500,
  maxIntervals: 120,
  maxRejections: 100,
});

interface Kept extends ViewMeter {
  /** The interval count when it last published something. */
  lastPublished: number;
}

/**
 * The live view's memory: feed it each interval's report with
 * {@linkcode ViewHistory.add}, which returns what changed; a page that
 * connects gets {@linkcode ViewHistory.snapshot}.
 *
 * @example A counter's rate, then 0 when it publishes nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { AgentAggregator } from "../agent_aggregator.ts";
 * import { ViewHistory } from "./_history.ts";
 *
 * let now = 0;
 * const aggregator = new AgentAggregator({ now: () => now });
 * const history = new ViewHistory();
 * aggregator.addLine("c:requests:10");
 * now = 5000;
 * assert.deepEqual(history.add(aggregator.publish()).added[0].series, [[2]]);
 * now = 10_000;
 * assert.deepEqual(history.add(aggregator.publish()).points, { "c:requests": [0] });
 * ```
 */
export class ViewHistory {
  #limits: ViewLimits;
  #meters = new Map<string, Kept>();
  #times: number[] = [];
  #lines: number[] = [];
  #intervals = 0;
  #leftOut: LeftOut | null = null;
  #rejectedLines = new Map<string, ViewLine>();
  #warnedLines = new Map<string, ViewLine>();
  #rejectedIds = new Map<string, ViewId>();

  /**
   * Creates an empty history.
   *
   * @param limits the bounds; unset ones take {@linkcode DEFAULT_VIEW_LIMITS}
   */
  constructor(limits: Partial<ViewLimits> = {}) {
    this.#limits = { ...DEFAULT_VIEW_LIMITS, ...limits };
  }

  /**
   * Adds one interval's report.
   *
   * @param report what the aggregator published
   * @returns what changed, for pages already showing the history
   */
  add(report: IntervalReport): ViewInterval {
    const { maxMeters, maxIntervals } = this.#limits;
    this.#intervals++;
    pushBounded(this.#times, report.time, maxIntervals);
    pushBounded(this.#lines, report.lines, maxIntervals);
    const removed: string[] = [];
    for (const [key, meter] of this.#meters) {
      if (!(key in report.meters) && this.#intervals - meter.lastPublished >= maxIntervals) {
        this.#meters.delete(key);
        removed.push(key);
      }
    }
    const added = new Map<string, ViewMeter>();
    let leftOut = 0;
    for (const [key, snapshot] of Object.entries(report.meters)) {
      if (this.#meters.has(key)) continue;
      if (this.#meters.size >= maxMeters) {
        leftOut++;
        continue;
      }
      const kind = kindOf(snapshot.symbol);
      const meter: Kept = {
        key,
        symbol: snapshot.symbol,
        name: snapshot.name,
        tags: snapshot.tags,
        kind,
        labels: labelsOf(kind, snapshot.symbol),
        series: [],
        lastPublished: this.#intervals,
      };
      meter.series = pointsOf(kind, snapshot).map((point) => [point]);
      this.#meters.set(key, meter);
      added.set(key, viewMeter(meter));
    }
    const points: Record<string, ViewPoint[]> = {};
    for (const [key, meter] of this.#meters) {
      if (added.has(key)) continue;
      const snapshot = report.meters[key];
      if (snapshot !== undefined) {
        meter.lastPublished = this.#intervals;
        meter.symbol = snapshot.symbol; // a percentile line turns `t` into `T`
      }
      const interval = pointsOf(meter.kind, snapshot);
      meter.series.forEach((series, i) => pushBounded(series, interval[i], maxIntervals));
      points[key] = interval;
    }
    if (leftOut > 0) this.#leftOut = { ids: leftOut, time: report.time };
    this.#remember(report);
    return {
      time: report.time,
      lines: report.lines,
      added: [...added.values()],
      removed,
      points,
      leftOut: this.#leftOut,
      ...this.#rejections(),
    };
  }

  /**
   * Everything held, for a page that connects.
   *
   * @returns the bounds, the intervals, the meters sorted by key and the rejections
   */
  snapshot(): ViewSnapshot {
    return {
      limits: { ...this.#limits },
      times: [...this.#times],
      lines: [...this.#lines],
      meters: [...this.#meters.values()].map(viewMeter).sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      leftOut: this.#leftOut,
      ...this.#rejections(),
    };
  }

  #remember(report: IntervalReport): void {
    const { maxRejections } = this.#limits;
    for (const line of report.rejectedLines) this.#rememberLine(this.#rejectedLines, line, report.time);
    for (const line of report.warnedLines) this.#rememberLine(this.#warnedLines, line, report.time);
    for (const { id, problems } of report.rejectedIds) {
      this.#rejectedIds.delete(id);
      this.#rejectedIds.set(id, { id, problems, lastSeen: report.time });
    }
    trimOldest(this.#rejectedLines, maxRejections);
    trimOldest(this.#warnedLines, maxRejections);
    trimOldest(this.#rejectedIds, maxRejections);
  }

  #rememberLine(map: Map<string, ViewLine>, { line, problem, times }: RejectedLine, time: number): void {
    const known = map.get(line);
    map.delete(line); // re-inserted last: the map's order is the order of last arrival
    map.set(line, { line, problem, times: times + (known?.times ?? 0), lastSeen: time });
  }

  #rejections(): ViewRejections {
    return {
      rejectedLines: [...this.#rejectedLines.values()].reverse(),
      warnedLines: [...this.#warnedLines.values()].reverse(),
      rejectedIds: [...this.#rejectedIds.values()].reverse(),
    };
  }
}

function viewMeter({ key, symbol, name, tags, kind, labels, series }: Kept): ViewMeter {
  return { key, symbol, name, tags, kind, labels, series: series.map((s) => [...s]) };
}

function kindOf(symbol: string): ViewKind {
  switch (symbol) {
    case "g":
    case "m":
      return "value";
    case "A":
      return "age";
    case "t":
    case "T":
    case "d":
    case "D":
      return "timer";
    default: // c C U X
      return "rate";
  }
}

function labelsOf(kind: ViewKind, symbol: string): string[] {
  switch (kind) {
    case "rate":
      return ["rate/s"];
    case "value":
      return ["value"];
    case "age":
      return ["age s"];
    case "timer":
      return symbol === "t" || symbol === "T" ? ["count", "mean s", "max s"] : ["count", "mean", "max"];
  }
}

/** The interval's point of each series of a meter; `snapshot` is undefined when it published nothing. */
function pointsOf(kind: ViewKind, snapshot: MeterSnapshot | undefined): ViewPoint[] {
  switch (kind) {
    case "rate":
      return [point(snapshot?.rate ?? 0)];
    case "value":
    case "age":
      return [point(snapshot?.value)];
    case "timer": {
      const count = snapshot?.count ?? 0;
      if (count === 0) return [0, null, null];
      return [count, point(snapshot!.total! / count), point(snapshot!.max)];
    }
  }
}

function point(n: number | undefined): ViewPoint {
  if (n === undefined) return null;
  return Number.isFinite(n) ? n : String(n);
}

function pushBounded<T>(array: T[], item: T, max: number): void {
  array.push(item);
  if (array.length > max) array.splice(0, array.length - max);
}

function trimOldest<V>(map: Map<string, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
