/**
 * HTTP server metrics after Netflix's Common IPC Metrics, tagged as
 * Netflix's Java servers tag them: `ipc.server.call` (a percentile timer
 * tagged `owner`, `http.method`, `http.status`, `ipc.endpoint`,
 * `ipc.result`, `ipc.status` and, for a thrown error, `ipc.status.detail`)
 * and `ipc.server.inflight` (a distribution summary of the registry's
 * requests in flight, tagged `owner`), for fetch-style handlers
 * (`Deno.serve`, `Bun.serve`, Hono) and `node:http` or Express.
 *
 * @example Instrument a fetch handler
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, Registry } from "@spectator/client";
 * import { instrumentHandler } from "@spectator/client/ipc";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const handler = instrumentHandler(registry, () => new Response("ok"));
 * strictEqual((await handler(new Request("http://localhost/"))).status, 200);
 * ```
 *
 * @module
 */

export {
  type FetchHandler,
  instrumentHandler,
  instrumentNodeRequest,
  ipcMiddleware,
  ipcRecorder,
  type IpcServerOptions,
  type NodeRequestLike,
  type NodeResponseLike,
} from "./src/ipc/server.ts";
export { type IpcResult, ipcResultForStatus, type IpcStatus, ipcStatusForHttpStatus } from "./src/ipc/status.ts";
