/**
 * The demo's app on `Bun.serve`: a request counter tagged with country,
 * title and status, a latency timer fed by a StopWatch, and a distribution
 * summary of response sizes (after spectator-py's "complex" Flask example).
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
  const url = new URL(request.url);
  let status = 200;
  let body = "Usage: /api/v1/play?country=foo&title=bar";
  let tags: Record<string, string> = {};
  if (url.pathname === "/api/v1/play" && request.method === "GET") {
    const country = url.searchParams.get("country") ?? "none";
    const title = url.searchParams.get("title") ?? "none";
    body = `requested play for country=${country} title=${title}`;
    tags = { country, title };
  } else if (url.pathname === "/api/v1/play") {
    status = 405;
    body = "unsupported request method";
  } else if (url.pathname !== "/") {
    status = 404;
  }
  registry.counter("server.requestCount", { version: "v1", ...tags, status: String(status) }).increment();
  responseSize.record(new TextEncoder().encode(body).length);
  return new Response(body, { status });
}

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
const base = `http://127.0.0.1:${server.port}`;

if (Bun.argv.includes("--serve")) {
  console.log(`listening on ${base}/api/v1/play?country=foo&title=bar (Ctrl-C to stop)`);
} else {
  for (const [method, path] of [["GET", "/api/v1/play?country=us&title=Narcos"], ["POST", "/api/v1/play"]]) {
    const response = await fetch(base + path, { method });
    console.log(`${method} ${path} -> ${response.status} ${await response.text()}`);
  }
  await server.stop(true);
  await registry.close(); // delivers what was written, then releases the socket
}
