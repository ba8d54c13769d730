/**
 * The local agent stand-in's main loop: binds the sockets, feeds datagrams
 * to an {@linkcode AgentAggregator}, prints a report every interval and stops
 * when asked. It never throws on what it receives.
 *
 * @module
 */

import { AgentAggregator } from "./agent_aggregator.ts";
import type { CliOptions } from "./args.ts";
import { type DatagramListener, listenUdp, listenUnix } from "./listeners.ts";
import { CLEAR_SCREEN, renderJson, renderTable } from "./render.ts";

/** Where the agent writes; defaults to the process's standard streams. */
export interface AgentIo {
  /** Writes report text. */
  out(text: string): void;
  /** Writes status and error messages. */
  err(text: string): void;
  /** Whether `out` is a terminal (the screen is cleared before each table only then). */
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
}

/**
 * Starts the agent stand-in with parsed options.
 *
 * @param options the parsed command line
 * @param io where to print
 * @returns the running agent
 * @throws {Error} when a socket cannot be bound
 *
 * @example
 * ```ts ignore
 * const agent = await startAgent(parseCliArgs(["--port", "0", "--once"]), io);
 * await agent.done;
 * ```
 */
export async function startAgent(options: CliOptions, io: AgentIo): Promise<RunningAgent> {
  const aggregator = new AgentAggregator();
  const decoder = new TextDecoder();
  let received = 0;
  const onDatagram = (bytes: Uint8Array) => {
    try {
      received++;
      aggregator.addDatagram(decoder.decode(bytes));
    } catch (error) {
      io.err(`agent: could not handle a datagram: ${error}\n`);
    }
  };
  const listeners: DatagramListener[] = [];
  try {
    listeners.push(await listenUdp(options.host, options.port, onDatagram));
    if (options.unix !== undefined) listeners.push(await listenUnix(options.unix, onDatagram));
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
  const locations = listeners.map((l) => l.location);
  io.err(`agent: listening on ${locations.join(" and ")}, publishing every ${options.intervalMs} ms\n`);

  let sinceReport = 0;
  const report = () => {
    try {
      const interval = aggregator.publish();
      sinceReport = received;
      if (options.json) io.out(renderJson(interval) + "\n");
      else io.out((io.isTty ? CLEAR_SCREEN : "") + renderTable(interval) + (io.isTty ? "" : "\n"));
    } catch (error) {
      io.err(`agent: could not report: ${error}\n`);
    }
  };

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => resolveDone = resolve);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(ticker);
      clearTimeout(deadline);
      if (received > sinceReport) report();
      await Promise.all(listeners.map((l) => l.close()));
      resolveDone();
    })();
    return stopping;
  };
  const ticker = setInterval(() => {
    report();
    if (options.once) stop();
  }, options.intervalMs);
  const deadline = options.durationSeconds === undefined
    ? undefined
    : setTimeout(() => stop(), options.durationSeconds * 1000);
  return { locations, done, stop };
}
