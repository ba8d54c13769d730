/**
 * The live view's HTTP server: `node:http` (which Deno, Bun and Node all
 * provide), bound to 127.0.0.1 only. It serves the page's three assets and
 * `/events`, a stream of server-sent events: `snapshot` (everything kept,
 * sent when a page connects), `interval` (what each report adds) and
 * `stopped` (the agent stopped). Requests naming another host are refused,
 * so a web page elsewhere cannot reach the view through DNS rebinding.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { IntervalReport } from "../agent_aggregator.ts";
import { PAGE_ASSETS } from "./_assets.ts";
import { ViewHistory, type ViewLimits } from "./_history.ts";

/**
 * The only address the live view binds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIVE_VIEW_HOST, serveLiveView } from "./_server.ts";
 *
 * const view = await serveLiveView();
 * assert.equal(new URL(view.url).hostname, LIVE_VIEW_HOST);
 * await view.close();
 * ```
 */
export const LIVE_VIEW_HOST = "127.0.0.1";

/** Options for {@linkcode serveLiveView}. */
export interface LiveViewOptions {
  /** The TCP port on 127.0.0.1; default 0, a free one. */
  port?: number;
  /** Where the agent listens, shown on the page. */
  locations?: readonly string[];
  /** The agent's publish interval in milliseconds, shown on the page. */
  intervalMs?: number;
  /** What the view keeps; unset bounds take `DEFAULT_VIEW_LIMITS`. */
  limits?: Partial<ViewLimits>;
}

/** A running live view; see {@linkcode serveLiveView}. */
export interface LiveView {
  /** The page's address, e.g. `http://127.0.0.1:1235/`. */
  readonly url: string;
  /** The pages connected to `/events` now. */
  readonly clients: number;
  /** Adds an interval's report and sends it to the connected pages. */
  publish(report: IntervalReport): void;
  /** Tells the connected pages the agent stopped, then closes the server; idempotent. */
  close(): Promise<void>;
}

/** The most pages connected at once; more get 503. */
const MAX_CLIENTS = 16;
/** A page that has not read this many bytes of events is disconnected. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

/** How long {@linkcode LiveView.close} waits for pages to take the last event. */
const CLOSE_GRACE_MS = 1000;

/** What every response carries: no caching, no sniffing, nothing but the page's own assets. */
const SECURITY_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * Serves the live view on 127.0.0.1.
 *
 * @param options the port and what the page shows about the agent
 * @returns the running view, once bound
 * @throws {Error} naming the port when it is in use, or when it cannot be bound otherwise
 *
 * @example Serve on a free port, publish a report, close
 * ```ts
 * import assert from "node:assert/strict";
 * import { AgentAggregator } from "../agent_aggregator.ts";
 * import { serveLiveView } from "./_server.ts";
 *
 * const view = await serveLiveView({ port: 0 });
 * assert.match(view.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
 * const page = await fetch(view.url);
 * assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
 * await page.body?.cancel();
 * const aggregator = new AgentAggregator();
 * aggregator.addLine("c:requests:1");
 * view.publish(aggregator.publish());
 * await view.close();
 * ```
 */
export async function serveLiveView(options: LiveViewOptions = {}): Promise<LiveView> {
  const history = new ViewHistory(options.limits);
  const agent = { locations: [...(options.locations ?? [])], intervalMs: options.intervalMs };
  const clients = new Set<ServerResponse>();
  let port = options.port ?? 0;
  let stopped = false;

  const send = (res: ServerResponse, event: string, data: unknown) => {
    if (res.writableLength > MAX_UNREAD_BYTES) {
      res.destroy(); // a page that stopped reading
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const openEvents = (req: IncomingMessage, res: ServerResponse) => {
    if (stopped || clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5" });
      res.end(stopped ? "The agent stopped.\n" : `At most ${MAX_CLIENTS} pages can follow the agent at once.\n`);
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/event-stream; charset=utf-8" });
    clients.add(res);
    const forget = () => clients.delete(res);
    req.on("close", forget);
    res.on("close", forget);
    res.write("retry: 1000\n\n");
    send(res, "snapshot", { ...history.snapshot(), agent });
  };

  const server = createServer((req, res) => {
    res.on("error", () => {/* the page went away; "close" forgets it */});
    try {
      const path = (req.url ?? "/").split("?")[0];
      const host = req.headers.host;
      if (host !== `${LIVE_VIEW_HOST}:${port}` && host !== `localhost:${port}`) {
        reply(res, 403, `This view answers only to ${LIVE_VIEW_HOST}:${port} and localhost:${port}.\n`);
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        reply(res, 405, "Only GET and HEAD.\n", { Allow: "GET, HEAD" });
      } else if (path === "/events") {
        openEvents(req, res);
      } else if (Object.hasOwn(PAGE_ASSETS, path)) {
        const { type, body } = PAGE_ASSETS[path];
        res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": type });
        res.end(req.method === "HEAD" ? undefined : body);
      } else {
        reply(res, 404, "Not found.\n");
      }
    } catch (error) {
      if (!res.headersSent) reply(res, 500, `${error}\n`);
      else res.destroy();
    }
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `http://${LIVE_VIEW_HOST}:${port}/`;
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `Cannot serve the live view on ${where}: port ${port} is in use; ` +
              "pick another with --ui-port (uiPort), or 0 for a free one"
            : `Cannot serve the live view on ${where}: ${error.message}`,
        ),
      );
    });
    server.listen(port, LIVE_VIEW_HOST, () => resolve());
  });
  server.on("error", () => {/* a listening server's errors concern single connections */});
  port = (server.address() as { port: number }).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${LIVE_VIEW_HOST}:${port}/`,
    get clients() {
      return clients.size;
    },
    publish(report) {
      if (stopped) return;
      const interval = history.add(report);
      for (const res of clients) send(res, "interval", interval);
    },
    close() {
      closing ??= (async () => {
        stopped = true;
        const stoppedEvent = `event: stopped\ndata: ${JSON.stringify({ time: Date.now() })}\n\n`;
        const ended = [...clients].map((res) =>
          new Promise<void>((resolve) => {
            res.once("close", resolve);
            res.end(stoppedEvent, resolve);
          })
        );
        clients.clear();
        // A page that stopped reading gets a moment to take the last event, then is cut off with the rest.
        let grace: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([Promise.all(ended), new Promise((resolve) => grace = setTimeout(resolve, CLOSE_GRACE_MS))]);
        clearTimeout(grace);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive connections of the page's assets
        });
      })();
      return closing;
    },
  };
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
}
