/**
 * Server-side Common IPC Metrics for HTTP servers: `ipc.server.call`, a
 * percentile timer per response, and `ipc.server.inflight`, a distribution
 * summary of the requests being processed.
 *
 * @module
 */

import type { Registry } from "../registry.ts";
import { ipcResultForStatus, type IpcStatus, ipcStatusForHttpStatus } from "./status.ts";

/** Options for {@linkcode instrumentHandler}, {@linkcode instrumentNodeRequest} and {@linkcode ipcMiddleware}. */
export interface IpcServerOptions<R> {
  /**
   * Returns the `ipc.endpoint` tag for a request (e.g. the route pattern,
   * never the raw path with ids in it), or `undefined` to leave it out. An
   * exception it throws leaves the tag out. Like every tag value it is
   * sanitized to the Atlas character set (`/api` is written `_api`).
   */
  endpoint?: (request: R) => string | undefined;
}

/** A fetch-style handler, as `Deno.serve`, `Bun.serve` and Hono's `app.fetch` take it. */
// deno-lint-ignore no-explicit-any
export type FetchHandler<A extends any[] = any[]> = (request: Request, ...rest: A) => Response | Promise<Response>;

/** The part of a `node:http` `IncomingMessage` (or an Express request) that is read. */
export interface NodeRequestLike {
  /** The request method, e.g. `GET`. */
  method?: string;
  /** The request target, e.g. `/api/v1/play?x=1` (for an `endpoint` function to read). */
  url?: string;
}

/** The part of a `node:http` `ServerResponse` (or an Express response) that is read. */
export interface NodeResponseLike {
  /** The response's status code. */
  statusCode: number;
  /** Registers a one-time listener (`finish`, `close`). */
  once(event: "finish" | "close", listener: () => void): unknown;
}

const CALL = "ipc.server.call";
const INFLIGHT = "ipc.server.inflight";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

/** The `http.method` tag: a standard method in upper case, else `OTHER` (keeps the tag's values bounded). */
function methodTag(method: string | undefined): string {
  const upper = (method ?? "").toUpperCase();
  return METHODS.has(upper) ? upper : "OTHER";
}

function endpointOf<R>(options: IpcServerOptions<R> | undefined, request: R): string | undefined {
  if (options?.endpoint === undefined) return undefined;
  try {
    const endpoint = options.endpoint(request);
    return typeof endpoint === "string" && endpoint !== "" ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

/** Counts one instrumented server's requests in flight and records both meters; never throws. */
class CallRecorder {
  readonly #registry: Registry;
  #inflight = 0;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** Counts a request in and records the new in-flight count; returns the start time. */
  start(endpoint: string | undefined): number {
    this.#inflight++;
    try {
      this.#registry.pctDistributionSummary(INFLIGHT, endpoint === undefined ? {} : { "ipc.endpoint": endpoint })
        .record(this.#inflight);
    } catch {
      // metrics never break the server
    }
    return performance.now();
  }

  /** Counts a request out and records its latency with the tags of its outcome. */
  end(start: number, method: string, httpStatus: number, endpoint: string | undefined, status?: IpcStatus): void {
    this.#inflight--;
    try {
      const ipcStatus = status ?? ipcStatusForHttpStatus(httpStatus);
      const tags: Record<string, string> = {
        "http.method": method,
        "http.status": String(httpStatus),
        "ipc.result": ipcResultForStatus(ipcStatus),
        "ipc.status": ipcStatus,
      };
      if (endpoint !== undefined) tags["ipc.endpoint"] = endpoint;
      this.#registry.pctTimer(CALL, tags).record((performance.now() - start) / 1000);
    } catch {
      // metrics never break the server
    }
  }
}

/**
 * Wraps a fetch-style handler so that every call records `ipc.server.call`
 * (a percentile timer, tagged `http.method`, `http.status`, `ipc.result`,
 * `ipc.status` and, when known, `ipc.endpoint`) and `ipc.server.inflight` (a
 * distribution summary of the requests in flight, recorded as each one
 * starts). A handler that throws or rejects is recorded as `http.status`
 * 500, `ipc.status` `unexpected_error`, and its error is rethrown.
 *
 * @param registry where the meters go
 * @param handler the handler to wrap
 * @param options how to name the endpoint
 * @returns a handler with the same signature
 *
 * @example With Deno.serve
 * ```ts ignore
 * import { Registry } from "@spectator/client";
 * import { instrumentHandler } from "@spectator/client/ipc";
 *
 * const registry = new Registry();
 * Deno.serve(instrumentHandler(registry, () => new Response("hi"), {
 *   endpoint: (request) => new URL(request.url).pathname.startsWith("/api/") ? "api" : undefined,
 * }));
 * ```
 *
 * @example With a memory registry
 * ```ts
 * import { Config, type MemoryWriter, Registry } from "@spectator/client";
 * import { instrumentHandler } from "@spectator/client/ipc";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const handler = instrumentHandler(registry, () => new Response("no", { status: 404 }));
 * await handler(new Request("http://localhost/x"));
 * (registry.writer() as MemoryWriter).lastLine();
 * // T:ipc.server.call,http.method=GET,http.status=404,ipc.result=failure,ipc.status=bad_request:<seconds>
 * ```
 */
// deno-lint-ignore no-explicit-any
export function instrumentHandler<A extends any[]>(
  registry: Registry,
  handler: FetchHandler<A>,
  options?: IpcServerOptions<Request>,
): FetchHandler<A> {
  const recorder = new CallRecorder(registry);
  return (request: Request, ...rest: A): Response | Promise<Response> => {
    const method = methodTag(request.method);
    const endpoint = endpointOf(options, request);
    const start = recorder.start(endpoint);
    let result: Response | Promise<Response>;
    try {
      result = handler(request, ...rest);
    } catch (error) {
      recorder.end(start, method, 500, endpoint, "unexpected_error");
      throw error;
    }
    if (result instanceof Response || typeof (result as Promise<Response>)?.then !== "function") {
      recorder.end(start, method, (result as Response)?.status ?? 500, endpoint);
      return result;
    }
    return (result as Promise<Response>).then(
      (response) => {
        recorder.end(start, method, response?.status ?? 500, endpoint);
        return response;
      },
      (error) => {
        recorder.end(start, method, 500, endpoint, "unexpected_error");
        throw error;
      },
    );
  };
}

/**
 * Records one `node:http` (or Express) request: counts it in flight now and
 * records `ipc.server.call` when the response finishes, with the response's
 * status code. A response closed before it finished (the client went away)
 * is recorded with `ipc.status` `cancelled`. Call it as the request arrives;
 * it never throws. Use {@linkcode ipcRecorder} to share the in-flight count
 * between calls (this function counts each request alone).
 *
 * @param registry where the meters go
 * @param request the incoming request
 * @param response its response
 * @param options how to name the endpoint
 *
 * @example With node:http
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { Registry } from "@spectator/client";
 * import { ipcRecorder } from "@spectator/client/ipc";
 *
 * const registry = new Registry();
 * const record = ipcRecorder(registry);
 * createServer((req, res) => {
 *   record(req, res);
 *   res.end("hi");
 * }).listen(8080);
 * ```
 */
export function instrumentNodeRequest<R extends NodeRequestLike>(
  registry: Registry,
  request: R,
  response: NodeResponseLike,
  options?: IpcServerOptions<R>,
): void {
  ipcRecorder(registry, options)(request, response);
}

/**
 * Returns a function that records `node:http` requests as
 * {@linkcode instrumentNodeRequest} does, sharing one in-flight count.
 *
 * @param registry where the meters go
 * @param options how to name the endpoint
 * @returns `(request, response) => void`, to call as each request arrives
 *
 * @example
 * ```ts
 * import { Config, Registry } from "@spectator/client";
 * import { ipcRecorder } from "@spectator/client/ipc";
 *
 * const record = ipcRecorder(new Registry(new Config({ location: "memory" })));
 * // createServer((req, res) => { record(req, res); ... })
 * ```
 */
export function ipcRecorder<R extends NodeRequestLike>(
  registry: Registry,
  options?: IpcServerOptions<R>,
): (request: R, response: NodeResponseLike) => void {
  const recorder = new CallRecorder(registry);
  return (request, response) => {
    try {
      const method = methodTag(request.method);
      const endpoint = endpointOf(options, request);
      const start = recorder.start(endpoint);
      let done = false;
      response.once("finish", () => {
        if (done) return;
        done = true;
        recorder.end(start, method, response.statusCode, endpoint);
      });
      response.once("close", () => {
        if (done) return;
        done = true;
        recorder.end(start, method, response.statusCode, endpoint, "cancelled");
      });
    } catch {
      // metrics never break the server
    }
  };
}

/**
 * Returns Express-style middleware `(req, res, next) => void` that records
 * every request as {@linkcode ipcRecorder} does, then calls `next()`.
 *
 * @param registry where the meters go
 * @param options how to name the endpoint (with Express, `req.route` is
 *   not known yet when middleware runs; prefer a function of `req.path`)
 * @returns the middleware
 *
 * @example With Express
 * ```ts ignore
 * import express from "express";
 * import { Registry } from "@spectator/client";
 * import { ipcMiddleware } from "@spectator/client/ipc";
 *
 * const app = express();
 * app.use(ipcMiddleware(new Registry()));
 * ```
 */
export function ipcMiddleware<R extends NodeRequestLike>(
  registry: Registry,
  options?: IpcServerOptions<R>,
): (request: R, response: NodeResponseLike, next: () => void) => void {
  const record = ipcRecorder(registry, options);
  return (request, response, next) => {
    record(request, response);
    next();
  };
}
