/**
 * The mapping from an HTTP status code to the `ipc.status` and `ipc.result`
 * tags of Netflix's Common IPC Metrics.
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

/**
 * Returns the `ipc.status` for an HTTP status code: below 400 `success`;
 * 401, 403 and 407 `access_denied`; 408 and 504 `timeout`; 429 `throttled`;
 * 499 `cancelled`; 503 `unavailable`; other 4xx `bad_request`; everything
 * else `unexpected_error`.
 *
 * @param httpStatus the response's status code
 * @returns the `ipc.status` tag value
 *
 * @example Map a few statuses
 * ```ts
 * import { ipcStatusForHttpStatus } from "@spectator/client/ipc";
 *
 * ipcStatusForHttpStatus(200); // "success"
 * ipcStatusForHttpStatus(404); // "bad_request"
 * ipcStatusForHttpStatus(429); // "throttled"
 * ipcStatusForHttpStatus(500); // "unexpected_error"
 * ```
 */
export function ipcStatusForHttpStatus(httpStatus: number): IpcStatus {
  if (httpStatus >= 100 && httpStatus < 400) return "success";
  switch (httpStatus) {
    case 401:
    case 403:
    case 407:
      return "access_denied";
    case 408:
    case 504:
      return "timeout";
    case 429:
      return "throttled";
    case 499:
      return "cancelled";
    case 503:
      return "unavailable";
  }
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
 * import { ipcResultForStatus } from "@spectator/client/ipc";
 *
 * ipcResultForStatus("success"); // "success"
 * ipcResultForStatus("throttled"); // "failure"
 * ```
 */
export function ipcResultForStatus(status: IpcStatus): IpcResult {
  return status === "success" ? "success" : "failure";
}
