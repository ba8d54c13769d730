/**
 * The state one registry's instrumented servers share: the in-flight count
 * per `ipc.server.inflight` id and the bounds on the request-derived tag
 * values, and the recording of both meters from it.
 *
 * @module
 */

import type { Registry } from "../registry.ts";
import { ipcResultForStatus, type IpcStatus, ipcStatusForHttpStatus } from "./status.ts";
import { ValueLimiter } from "./_value_limiter.ts";

/** The `http.status` of a request that got no response status (the Java reference's value for "none"). */
export const NO_HTTP_STATUS = -1;

/** The `ipc.endpoint` of a request whose endpoint is not named. */
export const UNKNOWN_ENDPOINT = "unknown";

/** The most distinct `ipc.endpoint` (and `ipc.status.detail`) values per registry, as in the Java reference. */
export const TAG_VALUE_LIMIT = 25;

const CALL = "ipc.server.call";
const INFLIGHT = "ipc.server.inflight";

/** The `http.method` values of the Java reference (`IpcMethod`); any other method is `unknown`. */
const METHODS = new Set(["get", "post", "put", "patch", "delete", "options"]);

/** One request being recorded, from {@linkcode CallRecorder.start} to {@linkcode CallRecorder.end}. */
export interface Call {
  /** The `owner` tag (also the in-flight count it was counted in). */
  readonly owner: string;
  /** The request method as received. */
  readonly method: string | undefined;
  /** The endpoint named for the request, if any. */
  readonly endpoint: string | undefined;
  /** `performance.now()` when it started. */
  readonly start: number;
}

/** How a request ended. */
export interface CallOutcome {
  /** The response status, or {@linkcode NO_HTTP_STATUS}. */
  httpStatus: number;
  /** The `ipc.status`, when not the one of `httpStatus`. */
  status?: IpcStatus;
  /** What the handler threw, if it did (its class becomes `ipc.status.detail`). */
  error?: unknown;
}

/** The class name of a thrown value (`TypeError`, `DOMException`), or `undefined` for a non-object. */
function className(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/**
 * Counts one registry's requests in flight per owner and records
 * `ipc.server.inflight` and `ipc.server.call`; never throws.
 *
 * @example
 * ```ts
 * import { Config, Registry } from "../../mod.ts";
 * import { recorderFor } from "./_recorder.ts";
 *
 * const recorder = recorderFor(new Registry(new Config({ location: "memory" })));
 * const call = recorder.start("spectator", "GET", "play");
 * recorder.end(call, { httpStatus: 200 });
 * ```
 */
export class CallRecorder {
  readonly #registry: Registry;
  readonly #inflight = new Map<string, number>();
  readonly #endpoints = new ValueLimiter(TAG_VALUE_LIMIT);
  readonly #details = new ValueLimiter(TAG_VALUE_LIMIT);

  /** @param registry where the meters go */
  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /**
   * Counts a request in under its owner and records that owner's new
   * in-flight count.
   *
   * @param owner the `owner` tag
   * @param method the request method
   * @param endpoint the endpoint named for the request, if any
   * @returns the call, to pass to {@linkcode CallRecorder.end}
   */
  start(owner: string, method: string | undefined, endpoint: string | undefined): Call {
    const inflight = (this.#inflight.get(owner) ?? 0) + 1;
    this.#inflight.set(owner, inflight);
    try {
      this.#registry.distributionSummary(INFLIGHT, { owner }).record(inflight);
    } catch {
      // metrics never break the server
    }
    return { owner, method, endpoint, start: performance.now() };
  }

  /**
   * Counts a request out and records its latency with the tags of its outcome.
   *
   * @param call what {@linkcode CallRecorder.start} returned
   * @param outcome how the request ended
   */
  end(call: Call, outcome: CallOutcome): void {
    this.#inflight.set(call.owner, (this.#inflight.get(call.owner) ?? 1) - 1);
    try {
      const status = outcome.status ?? ipcStatusForHttpStatus(outcome.httpStatus);
      const method = (call.method ?? "").toLowerCase();
      const tags: Record<string, string> = {
        owner: call.owner,
        "http.method": METHODS.has(method) ? method : "unknown",
        "http.status": String(outcome.httpStatus),
        "ipc.endpoint": this.#endpoints.limit(call.endpoint ?? UNKNOWN_ENDPOINT),
        "ipc.result": ipcResultForStatus(status),
        "ipc.status": status,
      };
      const detail = className(outcome.error);
      if (detail !== undefined) tags["ipc.status.detail"] = this.#details.limit(detail);
      this.#registry.pctTimer(CALL, tags).record((performance.now() - call.start) / 1000);
    } catch {
      // metrics never break the server
    }
  }
}

const recorders = new WeakMap<Registry, CallRecorder>();

/**
 * Returns the registry's one recorder, so that every instrumented handler,
 * recorder and middleware on it shares the in-flight counts.
 *
 * @param registry where the meters go
 * @returns the registry's recorder
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { Config, Registry } from "../../mod.ts";
 * import { recorderFor } from "./_recorder.ts";
 *
 * const registry = new Registry(new Config({ location: "memory" }));
 * strictEqual(recorderFor(registry), recorderFor(registry));
 * ```
 */
export function recorderFor(registry: Registry): CallRecorder {
  let recorder = recorders.get(registry);
  if (recorder === undefined) {
    recorder = new CallRecorder(registry);
    recorders.set(registry, recorder);
  }
  return recorder;
}
