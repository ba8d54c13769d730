/**
 * Server-side Common IPC Metrics for HTTP servers: `ipc.server.call`, a
 * percentile timer per response, and `ipc.server.inflight`, a distribution
 * summary of the requests being processed, tagged as Netflix's Java
 * servers tag them.
 *
 * @module
 */

import { describeValue } from "../meter_id.ts";
import type { Registry } from "../registry.ts";
import { type Call, type CallOutcome, type CallRecorder, NO_HTTP_STATUS, recorderFor } from "./_recorder.ts";

/** Options for {@linkcode instrumentHandler}, {@linkcode instrumentNodeRequest}, {@linkcode ipcRecorder} and {@linkcode ipcMiddleware}. */
export interface IpcServerOptions<R> {
  /**
   * Returns the `ipc.endpoint` tag for a request (e.g. the route pattern,
   * never the raw path with ids in it), or `undefined` for `unknown`, which
   * is also used when there is no function or it throws. At most 25
   * distinct values are kept per registry; later new ones are written
   * `--others--`. Like every tag value it is sanitized to the Atlas
   * character set (`/api` is written `_api`).
   */
  endpoint?: (request: R) => string | undefined;
  /**
   * The `owner` tag, naming the library that records the metrics; default
   * `spectator`, as Netflix's Java servlet filter writes it. Requests are
   * counted in flight per owner.
   */
  owner?: string;
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
  /** Whether the status line was sent (a cancelled request keeps its status only then). */
  headersSent?: boolean;
  /** Registers a one-time listener (`finish`, `close`). */
  once(event: "finish" | "close", listener: () => void): unknown;
}

const DEFAULT_OWNER = "spectator";

/**
 * Returns the `owner` tag of the options.
 *
 * @throws {TypeError} when `owner` is given but is not a non-empty string
 */
function ownerOf<R>(options: IpcServerOptions<R> | undefined): string {
  const owner = options?.owner ?? DEFAULT_OWNER;
  if (typeof owner !== "string" || owner === "") {
    throw new TypeError(
      `Cannot instrument the server: owner must be a non-empty string: received ${describeValue(owner)}`,
    );
  }
  return owner;
}

/** Starts recording a request: names its endpoint (never throwing) and counts it in flight. */
function startCall<R>(
  recorder: CallRecorder,
  owner: string,
  options: IpcServerOptions<R> | undefined,
  request: R,
  method: string | undefined,
): Call {
  let endpoint: string | undefined;
  try {
    const named = options?.endpoint?.(request);
    endpoint = typeof named === "string" && named !== "" ? named : undefined;
  } catch {
    endpoint = undefined;
  }
  return recorder.start(owner, method, endpoint);
}

/** A fetch-style call's outcome: `cancelled` if the client went away (the request's signal aborted) before it settled. */
function fetchOutcome(request: Request, outcome: CallOutcome): CallOutcome {
  return request.signal?.aborted === true ? { httpStatus: NO_HTTP_STATUS, status: "cancelled" } : outcome;
}

/**
 * Wraps a fetch-style handler so that every call records `ipc.server.call`
 * (a percentile timer tagged `owner`, `http.method`, `http.status`,
 * `ipc.endpoint`, `ipc.result`, `ipc.status` and, for a thrown error,
 * `ipc.status.detail`) and `ipc.server.inflight` (a distribution summary
 * of the registry's requests in flight for the owner, recorded as each one
 * starts). The call is timed until the handler's `Response` (or error) is
 * ready, not until a streamed body ends. A handler that throws or rejects is
 * recorded as `http.status` 500, `ipc.status` `unexpected_error` with the
 * error's class as `ipc.status.detail`, and its error is rethrown. A
 * request whose `signal` aborted (the client went away) before the handler
 * settled is recorded as `http.status` -1, `ipc.status` `cancelled`.
 *
 * @param registry where the meters go
 * @param handler the handler to wrap
 * @param options how to name the endpoint and the owner
 * @returns a handler with the same signature
 * @throws {TypeError} when `options.owner` is not a non-empty string
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
 * import { match } from "node:assert/strict";
 * import { Config, type MemoryWriter, Registry } from "@spectator/client";
 * import { instrumentHandler } from "@spectator/client/ipc";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * const handler = instrumentHandler(registry, () => new Response("no", { status: 404 }));
 * await handler(new Request("http://localhost/x"));
 * match(
 *   (registry.writer() as MemoryWriter).get().join("\n"),
 *   /^T:ipc\.server\.call,http\.method=get,http\.status=404,ipc\.endpoint=unknown,ipc\.result=success,ipc\.status=success,owner=spectator[,:]/m,
 * );
 * ```
 */
// deno-lint-ignore no-explicit-any
export function instrumentHandler<A extends any[]>(
  registry: Registry,
  handler: FetchHandler<A>,
  options?: IpcServerOptions<Request>,
): FetchHandler<A> {
  const owner = ownerOf(options);
  const recorder = recorderFor(registry);
  return (request: Request, ...rest: A): Response | Promise<Response> => {
    const call = startCall(recorder, owner, options, request, request.method);
    let result: Response | Promise<Response>;
    try {
      result = handler(request, ...rest);
    } catch (error) {
      recorder.end(call, fetchOutcome(request, { httpStatus: 500, error }));
      throw error;
    }
    if (result instanceof Response || typeof (result as Promise<Response>)?.then !== "function") {
      recorder.end(call, fetchOutcome(request, { httpStatus: (result as Response)?.status ?? 500 }));
      return result;
    }
    return (result as Promise<Response>).then(
      (response) => {
        recorder.end(call, fetchOutcome(request, { httpStatus: response?.status ?? 500 }));
        return response;
      },
      (error) => {
        recorder.end(call, fetchOutcome(request, { httpStatus: 500, error }));
        throw error;
      },
    );
  };
}

/**
 * Records one `node:http` (or Express) request as {@linkcode ipcRecorder}
 * does: counts it in flight now and records `ipc.server.call` when the
 * response finishes. The in-flight count is the registry's, shared with
 * every other instrumented server on it. Call it as the request arrives; it
 * never throws (an invalid `owner` records nothing).
 *
 * @param registry where the meters go
 * @param request the incoming request
 * @param response its response
 * @param options how to name the endpoint and the owner
 *
 * @example With node:http
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { Registry } from "@spectator/client";
 * import { instrumentNodeRequest } from "@spectator/client/ipc";
 *
 * const registry = new Registry();
 * createServer((req, res) => {
 *   instrumentNodeRequest(registry, req, res);
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
  try {
    ipcRecorder(registry, options)(request, response);
  } catch {
    // metrics never break the server
  }
}

/**
 * Returns a function that records `node:http` requests: each is counted in
 * flight (per registry and owner) as it arrives, and `ipc.server.call` is
 * recorded with the response's status code when the response finishes,
 * tagged as {@linkcode instrumentHandler} tags it. A response closed before
 * it finished (the client went away) is recorded with `ipc.status`
 * `cancelled` and `http.status` -1, or the status code if the status line
 * was already sent.
 *
 * @param registry where the meters go
 * @param options how to name the endpoint and the owner
 * @returns `(request, response) => void`, to call as each request arrives; it never throws
 * @throws {TypeError} when `options.owner` is not a non-empty string
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, Registry } from "@spectator/client";
 * import { ipcRecorder } from "@spectator/client/ipc";
 *
 * const record = ipcRecorder(new Registry(new Config({ location: "memory" })));
 * strictEqual(typeof record, "function"); // createServer((req, res) => { record(req, res); ... })
 * ```
 */
export function ipcRecorder<R extends NodeRequestLike>(
  registry: Registry,
  options?: IpcServerOptions<R>,
): (request: R, response: NodeResponseLike) => void {
  const owner = ownerOf(options);
  const recorder = recorderFor(registry);
  return (request, response) => {
    try {
      const call = startCall(recorder, owner, options, request, request.method);
      let done = false;
      const end = (outcome: CallOutcome) => {
        if (done) return;
        done = true;
        recorder.end(call, outcome);
      };
      response.once("finish", () => end({ httpStatus: response.statusCode }));
      response.once("close", () =>
        end({
          httpStatus: response.headersSent === true ? response.statusCode : NO_HTTP_STATUS,
          status: "cancelled",
        }));
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
 *   and the owner
 * @returns the middleware
 * @throws {TypeError} when `options.owner` is not a non-empty string
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
