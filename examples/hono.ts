/**
 * The demo's app on Hono (from npm), served with `Deno.serve` under Deno and
 * `Bun.serve` under Bun: `app.fetch` wrapped by `instrumentHandler` records
 * the Common IPC Metrics (`ipc.server.call` and `ipc.server.inflight`), and
 * a request counter tagged with the status. What the app answers, the same
 * on every server, is in `_play_app.ts`.
 *
 * By default the app sends a few requests to itself and stops; pass
 * `--serve` to keep it running. Lines go to SpectatorD at
 * udp://127.0.0.1:1234, or where `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env examples/hono.ts
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/hono.ts
 *
 * @module
 */

import { Hono } from "hono";
import process from "node:process";
import { instrumentHandler } from "../ipc.ts";
import { Config, Registry } from "../mod.ts";
import { answer, requestSelf } from "./_play_app.ts";

// The little of Deno's and Bun's APIs this example uses (their own types are not installed here).
type Serve = (
  options: { hostname: string; port: number; onListen?: () => void },
  handler: (request: Request) => Response | Promise<Response>,
) => { addr: { port: number }; shutdown(): Promise<void> };
declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Response | Promise<Response> }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "hono-example" } }));

const app = new Hono();
app.all("*", (c) => {
  const { status, body } = answer(c.req.method, new URL(c.req.url));
  registry.counter("server.requestCount", { status: String(status) }).increment();
  return c.text(body, status as 200);
});

// The endpoint is the route, never the raw path (ids in paths would explode the tag's values).
const handler = instrumentHandler(registry, (request: Request) => app.fetch(request), {
  endpoint: (request) => new URL(request.url).pathname === "/api/v1/play" ? "play" : undefined,
});

const deno = (globalThis as { Deno?: { serve: Serve } }).Deno;
let port: number;
let stop: () => Promise<void>;
if (deno !== undefined) {
  const server = deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  port = server.addr.port;
  stop = () => server.shutdown();
} else {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
  port = server.port;
  stop = () => server.stop(true);
}
const base = `http://127.0.0.1:${port}`;

if (process.argv.includes("--serve")) {
  console.log(`listening on ${base}/api/v1/play?country=foo&title=bar (Ctrl-C to stop)`);
} else {
  await requestSelf(base, [["GET", "/api/v1/play?country=nl&title=Dark"], ["POST", "/api/v1/play"], ["GET", "/nope"]]);
  await stop();
  await registry.close(); // delivers what was written, then releases the socket
}
