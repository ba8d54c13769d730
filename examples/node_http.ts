/**
 * The demo's app on `node:http`, which Node, Bun and Deno all provide: a
 * request counter tagged with country, title and status, a latency timer fed
 * by a StopWatch, and a distribution summary of response sizes (after
 * spectator-py's "complex" Flask example). What the app answers, the same
 * on every server, is in `_play_app.ts`.
 *
 * By default the app sends a few requests to itself and stops; pass
 * `--serve` to keep it running. Lines go to SpectatorD at
 * udp://127.0.0.1:1234, or where `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout node dist/examples/node_http.js   (after node scripts/build_node.mjs)
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/node_http.ts
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Config, Registry, StopWatch } from "../mod.ts";
import { answer, runBriefly } from "./_play_app.ts";

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "node-http-example" } }));
const requestLatency = registry.timer("server.requestLatency");
const responseSize = registry.distributionSummary("server.responseSize");

function handle(request: IncomingMessage, response: ServerResponse): void {
  using _ = new StopWatch(requestLatency); // records when the function returns
  const { status, body, tags } = answer(request.method ?? "", new URL(request.url ?? "/", "http://localhost"));
  registry.counter("server.requestCount", { version: "v1", ...tags, status: String(status) }).increment();
  responseSize.record(Buffer.byteLength(body));
  response.writeHead(status, { "content-type": "text/plain" }).end(body);
}

const server = createServer(handle);
server.listen(0, "127.0.0.1");
await runBriefly(server, registry, [["GET", "/api/v1/play?country=jp&title=Alice%20in%20Borderland"], [
  "GET",
  "/nope",
]]);
