/**
 * The simple example: a registry and its meters made once, at module level,
 * used by a `Deno.serve` app (after spectator-py's "simple" Flask example).
 *
 * By default the app sends two requests to itself and stops; pass `--serve`
 * to keep it running. Lines go to SpectatorD at udp://127.0.0.1:1234; set
 * `SPECTATOR_OUTPUT_LOCATION=stdout` to print them instead:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env examples/simple.ts
 *
 * @module
 */

import { Registry } from "../mod.ts";

// Made once. `new Registry()` opens no socket until the first line is written.
const registry = new Registry();
const playCount = registry.counter("server.requestCount", { version: "v1" });
const titlesSeen = registry.gauge("server.titlesSeen");
const titles = new Set<string>();

function handle(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname !== "/api/v1/play") return new Response("Usage: /api/v1/play?country=foo&title=bar");
  const country = url.searchParams.get("country") ?? "none";
  const title = url.searchParams.get("title") ?? "none";
  playCount.increment();
  titles.add(title);
  titlesSeen.set(titles.size);
  return new Response(`requested play for country=${country} title=${title}`);
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
const base = `http://127.0.0.1:${server.addr.port}`;

if (Deno.args.includes("--serve")) {
  console.log(`listening on ${base}/api/v1/play?country=foo&title=bar (Ctrl-C to stop)`);
} else {
  for (const path of ["/api/v1/play?country=us&title=Narcos", "/api/v1/play?country=nl&title=Dark"]) {
    const response = await fetch(base + path);
    console.log(`GET ${path} -> ${response.status} ${await response.text()}`);
  }
  await server.shutdown();
  // No close() needed: the lines written so far are sent when the program ends by itself.
}
