/**
 * HTTP server metrics after Netflix's Common IPC Metrics on `node:http`,
 * which Node, Bun and Deno all provide: every request records
 * `ipc.server.call` (a percentile timer tagged with the method, the status
 * and its `ipc.status`/`ipc.result`, and the endpoint) and
 * `ipc.server.inflight`. With `Deno.serve`, `Bun.serve` or Hono, wrap the
 * fetch handler with `instrumentHandler` instead.
 *
 * By default the app sends a few requests to itself and stops; pass
 * `--serve` to keep it running. Lines go to SpectatorD at
 * udp://127.0.0.1:1234, or where `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env examples/ipc_server.ts
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/ipc_server.ts
 *
 * @module
 */

import { createServer } from "node:http";
import { ipcRecorder } from "../ipc.ts";
import { Config, Registry } from "../mod.ts";
import { answer, runBriefly } from "./_play_app.ts";

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "ipc-example" } }));
// The endpoint is the route, never the raw path (ids in paths would explode the tag's values).
const record = ipcRecorder(registry, {
  endpoint: (request) => request.url?.startsWith("/api/v1/play") ? "play" : undefined,
});

const server = createServer((request, response) => {
  record(request, response); // records when the response finishes
  const { status, body } = answer(request.method ?? "", new URL(request.url ?? "/", "http://localhost"));
  response.writeHead(status, { "content-type": "text/plain" }).end(body);
});
server.listen(0, "127.0.0.1");
await runBriefly(server, registry, [["GET", "/api/v1/play?country=nl&title=Dark"], ["POST", "/api/v1/play"], [
  "GET",
  "/nope",
]]);
