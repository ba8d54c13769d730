/**
 * What the LineWriter has delivered, and what it tells the logger about it:
 * the counts behind `LineWriter.stats()`, and rate-limited reports of drops
 * and failures, so a dead agent or a flood of drops costs a line per
 * interval at most.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { safeString } from "../meter_id.ts";
import { platform } from "../_platform.ts";
import { RateLimiter } from "../_rate_limiter.ts";

/** The kinds of failure reported, each rate-limited on its own. */
export type FailedAction = "connect to" | "send to" | "close";

/**
 * Counts lines sent and dropped, datagrams sent, and errors, and reports
 * drops and failures at most once per `intervalMs` for each kind.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { DeliveryReport } from "./_delivery_report.ts";
 *
 * const warnings: string[] = [];
 * const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
 * const report = new DeliveryReport(logger, "udp://127.0.0.1:1234", 10_000);
 * report.dropped(1, "the writer is closed");
 * report.dropped(1, "the writer is closed");
 * deepStrictEqual(report.counts, { sentLines: 0, sentDatagrams: 0, droppedLines: 2, errors: 0 });
 * deepStrictEqual(warnings, [
 *   "spectator.writer: dropped a line for udp://127.0.0.1:1234: the writer is closed (1 dropped in all)",
 * ]);
 * ```
 */
export class DeliveryReport {
  /** What was delivered so far. */
  readonly counts = { sentLines: 0, sentDatagrams: 0, droppedLines: 0, errors: 0 };
  readonly #logger: Logger;
  readonly #location: string;
  #description: string;
  readonly #intervalMs: number;
  readonly #failures: RateLimiter;
  /** Set after a drop warning until the interval has passed: later drops are only counted. */
  #dropWarningMuted = false;

  /**
   * @param logger where reports go
   * @param description names the destination, e.g. `udp://127.0.0.1:1234`
   * @param intervalMs the shortest time between two reports of one kind
   */
  constructor(logger: Logger, description: string, intervalMs: number) {
    this.#logger = logger;
    this.#location = description;
    this.#description = description;
    this.#intervalMs = intervalMs;
    this.#failures = new RateLimiter(intervalMs);
  }

  /** Names the destination in messages: the location, or where its lines really go. */
  get description(): string {
    return this.#description;
  }

  /**
   * The transport sends somewhere else than the location names (a fallback,
   * such as UDP for a Unix socket the runtime cannot reach): messages name
   * `where`, and the location after it.
   */
  redirect(where: string): void {
    this.#description = `${where} (instead of ${this.#location})`;
  }

  /** Counts `lines` handed to the transport in one datagram. */
  sent(lines: number): void {
    this.counts.sentLines += lines;
    this.counts.sentDatagrams++;
  }

  /** Moves a datagram of `lines` counted as sent to the dropped lines: its failure was reported later. */
  unsent(lines: number): void {
    this.counts.sentLines -= lines;
    this.counts.sentDatagrams--;
    this.counts.droppedLines += lines;
  }

  /** Counts `lines` lost with a datagram that failed or never left; the failure is reported on its own. */
  lost(lines: number): void {
    this.counts.droppedLines += lines;
  }

  /** Counts `lines` dropped before they reached a datagram and warns, at most once per interval. */
  dropped(lines: number, why: string): void {
    this.counts.droppedLines += lines;
    if (this.#dropWarningMuted) return;
    this.#dropWarningMuted = true;
    platform().unrefTimeout(() => (this.#dropWarningMuted = false), this.#intervalMs);
    this.#logger.warn(
      `spectator.writer: dropped a line for ${this.#description}: ${why} (${this.counts.droppedLines} dropped in all)`,
    );
  }

  /** Counts an error and reports it (see {@linkcode report}). */
  failed(action: FailedAction, error: unknown): void {
    this.counts.errors++;
    this.report(action, error);
  }

  /** Logs that `<action> <description>` failed, at most once per interval for each action. */
  report(action: FailedAction, error: unknown): void {
    const suppressed = this.#failures.take(action);
    if (suppressed === undefined) return;
    const more = suppressed > 0 ? ` (${suppressed} similar errors not shown)` : "";
    const said = `cannot ${action} ${this.#description}: `;
    // Transport errors often start with what this line already says; say it once.
    let detail = describeError(error);
    if (detail.toLowerCase().startsWith(said.toLowerCase())) detail = detail.slice(said.length);
    this.#logger.error(`spectator.writer: ${said}${detail}${more}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  // Anything may be thrown, even what String() cannot convert.
  return safeString(error);
}
