/**
 * Timing a block of code into a timer.
 *
 * @module
 */

import { type Clock, SystemClock } from "./clock.ts";
import type { Timer } from "./meters/timer.ts";

const systemClock = new SystemClock();

/**
 * Measures the time since its construction and records it in a
 * {@linkcode Timer} or {@linkcode PercentileTimer} once: on `stop()`, or at
 * scope exit with `using`.
 *
 * @example Time a scope
 * ```ts
 * import { match } from "node:assert/strict";
 * import { Config, type MemoryWriter, Registry, StopWatch } from "@spectator/client";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const latency = registry.pctTimer("server.requestLatency");
 * {
 *   using _ = new StopWatch(latency);
 *   // ... handle the request ...
 * }
 * match((registry.writer() as MemoryWriter).lastLine()!, /^T:server\.requestLatency[,:]/);
 * ```
 *
 * @example Deterministic with a manual clock
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ManualClock, MemoryWriter, MeterId, StopWatch, Timer } from "@spectator/client";
 *
 * const writer = new MemoryWriter();
 * const clock = new ManualClock();
 * const watch = new StopWatch(new Timer(new MeterId("work"), writer), clock);
 * clock.setMonotonicTime(42);
 * watch.stop();
 * strictEqual(writer.lastLine(), "t:work:42");
 * ```
 */
export class StopWatch implements Disposable {
  readonly #timer: Timer;
  readonly #clock: Clock;
  readonly #start: number;
  #stopped = false;

  /**
   * Starts timing.
   *
   * @param timer receives the duration in seconds
   * @param clock the time source; the system clock when omitted
   */
  constructor(timer: Timer, clock: Clock = systemClock) {
    this.#timer = timer;
    this.#clock = clock;
    this.#start = clock.monotonicTime();
  }

  /** Returns seconds since construction. */
  duration(): number {
    return this.#clock.monotonicTime() - this.#start;
  }

  /** Records the duration in the timer; later calls do nothing. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer.record(this.duration());
  }

  /** `using` stops the watch at scope exit. */
  [Symbol.dispose](): void {
    this.stop();
  }
}
