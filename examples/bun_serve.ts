/**
 * The demo's app on `Bun.serve`: a request counter tagged with country,
 * title and status, a latency timer fed by a StopWatch, and a distribution
 * summary of response sizes (after spectator-py's "complex" Flask example).
 * What the app answers, the same on every server, is in `_play_app.ts`.
 *
 * By default the app sends a few requests to itself and stops; pass
 * `--serve` to keep it running. Lines go to SpectatorD at
 * udp://127.0.0.1:1234, or where `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/bun_serve.ts
 *
 * @module
 */

import { Config, Registry, StopWatch } from "../mod.ts";
import { answer, requestSelf } from "./_play_app.ts";

// The little of Bun's API this example uses (Bun's own types are not installed here).
declare const Bun: {
  argv: string[];
  serve(options: { hostname: string; port: number; fetch(request: Request): Response }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "bun-serve-example" } }));
const requestLatency = registry.timer("server.requestLatency");
const responseSize = registry.distributionSummary("server.responseSize");

function handle(request: Request): Response {
  using _ = new StopWatch(requestLatency); // records when the function returns
  const { status, body, tags } = answer(request.method, new URL(request.url));
  registry.counter("server.requestCount", { version: "v1", ...tags, status: String(status) }).increment();
  responseSize.record(new TextEncoder().encode(body).length);
  return new Response(body, { status });
}

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
const base = `http://127.0.0.1:${server.port}`;

if (Bun.argv.includes("--serve")) {
  console.log(`listening on ${base}/api/v1/play?country=foo&title=bar (Ctrl-C to stop)`);
} else {
  await requestSelf(base, [["GET", "/api/v1/play?country=us&title=Narcos"], ["POST", "/api/v1/play"]]);
  await server.stop(true);
  await registry.close(); // delivers what was written, then releases the socket
}
