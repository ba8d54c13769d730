/**
 * Clocks in seconds: the system's, and a manual one for tests.
 *
 * @module
 */

/**
 * A source of time in seconds.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { type Clock, ManualClock } from "@spectator/client";
 *
 * const clock: Clock = new ManualClock(); // or new SystemClock()
 * strictEqual(clock.monotonicTime(), 0);
 * ```
 */
export interface Clock {
  /** Seconds since the Unix epoch. */
  wallTime(): number;
  /** Seconds from an arbitrary start, never going backwards: for durations. */
  monotonicTime(): number;
}

/**
 * The system's clocks: `Date.now()` and `performance.now()`, in seconds.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { SystemClock } from "@spectator/client";
 *
 * const clock = new SystemClock();
 * const start = clock.monotonicTime();
 * const seconds = clock.monotonicTime() - start;
 * strictEqual(seconds >= 0, true);
 * ```
 */
export class SystemClock implements Clock {
  /** Returns seconds since the Unix epoch. */
  wallTime(): number {
    return Date.now() / 1000;
  }

  /** Returns high-resolution seconds for measuring durations. */
  monotonicTime(): number {
    return performance.now() / 1000;
  }
}

/**
 * A clock that moves only when told to, for deterministic tests.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ManualClock } from "@spectator/client";
 *
 * const clock = new ManualClock();
 * clock.setMonotonicTime(42);
 * strictEqual(clock.monotonicTime(), 42);
 * ```
 */
export class ManualClock implements Clock {
  #wall: number;
  #monotonic: number;

  /**
   * Creates a clock at the given times.
   *
   * @param wallInit the initial wall time in seconds
   * @param monotonicInit the initial monotonic time in seconds
   */
  constructor(wallInit: number = 0, monotonicInit: number = 0) {
    this.#wall = wallInit;
    this.#monotonic = monotonicInit;
  }

  /** Returns the wall time last set. */
  wallTime(): number {
    return this.#wall;
  }

  /** Returns the monotonic time last set. */
  monotonicTime(): number {
    return this.#monotonic;
  }

  /** Sets the wall time to `seconds`. */
  setWallTime(seconds: number): void {
    this.#wall = seconds;
  }

  /** Sets the monotonic time to `seconds`. */
  setMonotonicTime(seconds: number): void {
    this.#monotonic = seconds;
  }
}
