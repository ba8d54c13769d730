/**
 * The demo's app on Express (from npm): `ipcMiddleware` records the Common
 * IPC Metrics (`ipc.server.call` and `ipc.server.inflight`) for every
 * request, and the handler counts requests tagged with the status. What the
 * app answers, the same on every server, is in `_play_app.ts`.
 *
 * By default the app sends a few requests to itself and stops; pass
 * `--serve` to keep it running. Lines go to SpectatorD at
 * udp://127.0.0.1:1234, or where `SPECTATOR_OUTPUT_LOCATION` says:
 *
 *   SPECTATOR_OUTPUT_LOCATION=stdout node dist/examples/express.js   (after node scripts/build_node.mjs)
 *   SPECTATOR_OUTPUT_LOCATION=stdout bun examples/express.ts
 *   SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env examples/express.ts
 *
 * @module
 */

import express from "express";
import { ipcMiddleware } from "../ipc.ts";
import { Config, Registry } from "../mod.ts";
import { answer, runBriefly } from "./_play_app.ts";

const registry = new Registry(new Config({ extraCommonTags: { "nf.app": "express-example" } }));

const app = express();
// The endpoint is the route, never the raw path (ids in paths would explode the tag's values).
app.use(ipcMiddleware(registry, { endpoint: (request) => request.path === "/api/v1/play" ? "play" : undefined }));
app.use((request, response) => {
  const { status, body } = answer(request.method, new URL(request.originalUrl, "http://localhost"));
  registry.counter("server.requestCount", { status: String(status) }).increment();
  response.status(status).type("text/plain").send(body);
});

const server = app.listen(0, "127.0.0.1");
await runBriefly(server, registry, [["GET", "/api/v1/play?country=nl&title=Dark"], ["POST", "/api/v1/play"], [
  "GET",
  "/nope",
]]);
