/**
 * The local agent stand-in's main loop: binds the sockets, feeds datagrams
 * to an {@linkcode AgentAggregator}, prints a report every interval and stops
 * when asked. It never throws on what it receives.
 *
 * @module
 */

import process from "node:process";
import { AgentAggregator } from "./agent_aggregator.ts";
import { type AgentOptions, agentOptions } from "./args.ts";
import { type DatagramListener, listenUdp, listenUnix } from "./_listeners.ts";
import { CLEAR_SCREEN, renderDatagram, renderJson, renderTable } from "./_render.ts";
import { type LiveView, serveLiveView } from "./ui/_server.ts";

/** Where the agent writes; each part defaults to the process's standard streams. */
export interface AgentIo {
  /** Writes report text. */
  out(text: string): void;
  /** Writes status and error messages. */
  err(text: string): void;
  /** Whether `out` is a terminal (the screen is cleared before each table only then, unless lines are printed). */
  isTty: boolean;
}

/** A running agent; see {@linkcode startAgent}. */
export interface RunningAgent {
  /** Where it listens, e.g. `["udp://127.0.0.1:1234"]`. */
  readonly locations: readonly string[];
  /** Resolves when the agent has stopped (by `--once`, `--duration` or {@linkcode RunningAgent.stop}). */
  readonly done: Promise<void>;
  /** Prints a last report if anything arrived since the previous one, then releases the sockets. */
  stop(): Promise<void>;
  /** The protocol lines received so far, rejected ones included. */
  readonly receivedLines: number;
  /**
   * Resolves once at least `count` lines have arrived (true), or after
   * `timeoutMs` (false): datagrams travel asynchronously, so a program that
   * has just flushed its registry waits with this before {@linkcode RunningAgent.stop}.
   */
  waitForLines(count: number, timeoutMs?: number): Promise<boolean>;
  /** With `ui`, the live view's address, e.g. `http://127.0.0.1:1235/`. */
  readonly uiUrl?: string;
}

/**
 * Where the agent prints by default: standard output for reports (cleared
 * before each table when it is a terminal), standard error for the rest.
 */
function processIo(): AgentIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
  };
}

/**
 * Starts the local agent stand-in: binds its sockets, then prints what
 * SpectatorD would publish every interval (and, with `lines`, every datagram
 * as it arrives) until it stops by itself (`once`, `durationSeconds`) or
 * {@linkcode RunningAgent.stop} is called. The command line of `cli.ts` runs
 * exactly this.
 *
 * @param options how to listen and report; unset options take {@linkcode DEFAULT_AGENT_OPTIONS}
 * @param io where to print; unset parts print to the process's standard streams
 * @returns the running agent, once its sockets are bound
 * @throws {RangeError} for an option out of range, naming it and the value
 * @throws {Error} when a socket cannot be bound
 *
 * @example Listen on a free port, point a registry at it, print one report
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { startAgent } from "@spectator/client/cli";
 * import { Config, Registry } from "@spectator/client";
 *
 * const agent = await startAgent({ port: 0 });
 * const registry = new Registry(new Config({ location: agent.locations[0] }));
 * registry.counter("requests").increment();
 * await registry.close();
 * strictEqual(await agent.waitForLines(1), true);
 * await agent.stop(); // prints the table of what arrived
 * ```
 */
export async function startAgent(
  options: Partial<AgentOptions> = {},
  io: Partial<AgentIo> = {},
): Promise<RunningAgent> {
  const settings = agentOptions(options);
  const { out, err, isTty } = { ...processIo(), ...io };
  // Clearing the screen would also wipe the lines printed as they arrived.
  const clearScreen = isTty && !settings.lines;
  const aggregator = new AgentAggregator();
  const decoder = new TextDecoder();
  const onDatagram = (bytes: Uint8Array) => {
    try {
      const text = decoder.decode(bytes);
      if (settings.lines) out(renderDatagram(text, bytes.byteLength, settings.json));
      aggregator.addDatagram(text);
      for (const wake of waiters) wake();
    } catch (error) {
      err(`agent: could not handle a datagram: ${error}\n`);
    }
  };
  const waiters = new Set<() => void>();
  const waitForLines = (count: number, timeoutMs = 2000) =>
    new Promise<boolean>((resolve) => {
      const settle = (arrived: boolean) => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(arrived);
      };
      const check = () => {
        if (aggregator.totalLines >= count) settle(true);
      };
      const timer = setTimeout(() => settle(false), timeoutMs);
      waiters.add(check);
      check();
    });
  const listeners: DatagramListener[] = [];
  let ui: LiveView | undefined;
  try {
    listeners.push(await listenUdp(settings.host, settings.port, onDatagram));
    if (settings.unix !== undefined) listeners.push(await listenUnix(settings.unix, onDatagram));
    if (settings.ui) {
      const locations = listeners.map((l) => l.location);
      ui = await serveLiveView({ port: settings.uiPort, locations, intervalMs: settings.intervalMs });
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
  const locations = listeners.map((l) => l.location);
  err(`agent: listening on ${locations.join(" and ")}, publishing every ${settings.intervalMs} ms\n`);
  if (ui !== undefined) err(`agent: live view on ${ui.url}\n`);

  let sinceReport = 0;
  const report = () => {
    try {
      const interval = aggregator.publish();
      sinceReport = aggregator.totalLines;
      ui?.publish(interval);
      if (settings.json) out(renderJson(interval) + "\n");
      else out((clearScreen ? CLEAR_SCREEN : "") + renderTable(interval) + (clearScreen ? "" : "\n"));
    } catch (error) {
      err(`agent: could not report: ${error}\n`);
    }
  };

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => resolveDone = resolve);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(ticker);
      clearTimeout(deadline);
      if (aggregator.totalLines > sinceReport) report();
      await Promise.all([...listeners.map((l) => l.close()), ui?.close()]);
      resolveDone();
    })();
    return stopping;
  };
  const ticker = setInterval(() => {
    report();
    if (settings.once) stop();
  }, settings.intervalMs);
  const deadline = settings.durationSeconds === undefined
    ? undefined
    : setTimeout(() => stop(), settings.durationSeconds * 1000);
  return {
    locations,
    done,
    stop,
    get receivedLines() {
      return aggregator.totalLines;
    },
    waitForLines,
    uiUrl: ui?.url,
  };
}
