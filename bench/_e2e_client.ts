/**
 * A client of the real SpectatorD for the end-to-end bench
 * (bench/e2e_sender.ts, bench/agent_burst.ts): @spectator/client or Netflix's
 * spectator-js, writing to a `udp://` or `unix://` location, with what the
 * bench needs to know around it: the route it took (a `unix` location falls
 * back to UDP, with a warning, where the runtime has no Unix datagram
 * socket), and what the client itself dropped or folded.
 *
 * @module
 */

import { Config, type LineWriter, Registry } from "../mod.ts";
import type { MeterFactory } from "./_bench_client.ts";
import { ourRoute } from "./_runtime.ts";
import { spectatorJsClient } from "./_spectator_js.ts";

/** The clients the end-to-end bench measures. */
export type E2eClientKind = "spectator" | "spectator-js";

/** What a client has lost or combined so far. */
export interface ClientCounts {
  /** Lines the client dropped (ours: `droppedLines`), or send errors it logged (spectator-js). */
  dropped: number;
  /** Updates folded into another update's line (ours, once the library reports `foldedUpdates`), else undefined. */
  folded: number | undefined;
}

/** A client writing to one location. */
export interface E2eClient {
  registry: MeterFactory;
  /** The transport in use, as far as the bench can tell. */
  route: string;
  /** Sends what is buffered; resolves once handed to the socket. */
  flush(): Promise<void>;
  close(): Promise<void>;
  counts(): ClientCounts;
  /** The warning that says a `unix` location fell back to UDP, if one was logged. */
  fallback(): string | undefined;
  /** The latest warning or error the client logged, if any. */
  lastProblem(): string | undefined;
}

/**
 * Opens a client for `location` (`udp://host:port` or `unix:///path`); nothing is sent yet. `fold` is ours: `false`
 * sends every update as its own line.
 */
export async function openE2eClient(kind: E2eClientKind, location: string, fold = true): Promise<E2eClient> {
  const kindOfLocation = location.startsWith("unix:") ? "unix" : "udp";
  if (kind === "spectator-js") {
    const client = await spectatorJsClient(location);
    return {
      registry: client.registry,
      route: kindOfLocation === "udp" ? "node:dgram" : "node-unix-socket (native)",
      flush: client.flush,
      close: client.close,
      counts: () => ({ dropped: client.problems(), folded: undefined }),
      lastProblem: client.lastProblem,
      // Its Unix writer warns "UDS unavailable (...); falling back to udp://127.0.0.1:1234".
      fallback: () => (client.firstProblem()?.includes("falling back") ? client.firstProblem() : undefined),
    };
  }
  const warnings: string[] = [];
  const keep = (message: string) => void warnings.push(message);
  const ignore = () => {};
  const logger = { debug: ignore, info: ignore, warn: keep, error: keep };
  const registry = new Registry(new Config({ location, logger, fold }));
  const writer = registry.writer() as LineWriter;
  return {
    registry,
    route: ourRoute(kindOfLocation),
    flush: () => registry.flush(),
    close: () => registry.close(),
    counts: () => {
      const stats = writer.stats() as { droppedLines: number; foldedUpdates?: number };
      return { dropped: stats.droppedLines, folded: stats.foldedUpdates };
    },
    lastProblem: () => warnings.at(-1),
    // The library warns "cannot use unix://<path>: ...; sending to udp://127.0.0.1:1234 instead" where it cannot.
    fallback: () => warnings.find((message) => kindOfLocation === "unix" && /unix:\/\/.*udp:\/\//.test(message)),
  };
}
