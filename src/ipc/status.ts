/**
 * The mapping from an HTTP status code to the `ipc.status` and `ipc.result`
 * tags of Netflix's Common IPC Metrics, the same as the Java reference's
 * default (`IpcStatus.forHttpStatus` in Netflix/spectator's
 * spectator-ext-ipc), so that a dashboard sees the same values for the same
 * status from Java and JavaScript services.
 *
 * @module
 */

/** The allowed values of the `ipc.status` tag. */
export type IpcStatus =
  | "success"
  | "bad_request"
  | "unexpected_error"
  | "connection_error"
  | "unavailable"
  | "throttled"
  | "timeout"
  | "cancelled"
  | "access_denied";

/** The allowed values of the `ipc.result` tag. */
export type IpcResult = "success" | "failure";

/** The statuses with their own `ipc.status`; the others follow their class (1xx-3xx, 4xx, 5xx). */
const SPECIAL: ReadonlyMap<number, IpcStatus> = new Map<number, IpcStatus>([
  [401, "access_denied"],
  [402, "access_denied"],
  [403, "access_denied"],
  [404, "success"], // a lookup that found nothing was still served as asked
  [407, "access_denied"],
  [408, "timeout"],
  [429, "throttled"],
  [503, "throttled"], // Netflix's historical convention: 503 means the server shed load
  [511, "access_denied"],
]);

/**
 * Returns the `ipc.status` for an HTTP status code, as Netflix's Java
 * servers tag it: 404 `success`; 401, 402, 403, 407 and 511
 * `access_denied`; 408 `timeout`; 429 and 503 `throttled`; otherwise below
 * 100 `unexpected_error`, below 400 `success`, other 4xx `bad_request` and
 * everything else `unexpected_error`.
 *
 * @param httpStatus the response's status code
 * @returns the `ipc.status` tag value
 *
 * @example Map a few statuses
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { ipcStatusForHttpStatus } from "@spectator/client/ipc";
 *
 * deepStrictEqual(
 *   [200, 404, 503, 504].map(ipcStatusForHttpStatus),
 *   ["success", "success", "throttled", "unexpected_error"],
 * );
 * ```
 */
export function ipcStatusForHttpStatus(httpStatus: number): IpcStatus {
  const special = SPECIAL.get(httpStatus);
  if (special !== undefined) return special;
  if (httpStatus >= 100 && httpStatus < 400) return "success";
  return httpStatus >= 400 && httpStatus < 500 ? "bad_request" : "unexpected_error";
}

/**
 * Returns the `ipc.result` for an `ipc.status`: `success` for `success`,
 * `failure` for everything else.
 *
 * @param status an `ipc.status` tag value
 * @returns the `ipc.result` tag value
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ipcResultForStatus } from "@spectator/client/ipc";
 *
 * strictEqual(ipcResultForStatus("success"), "success");
 * strictEqual(ipcResultForStatus("throttled"), "failure");
 * ```
 */
export function ipcResultForStatus(status: IpcStatus): IpcResult {
  return status === "success" ? "success" : "failure";
}
