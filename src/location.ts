/**
 * Output locations: parsing and validating the location strings of
 * spectator-py into a typed target.
 *
 * @module
 */

import { DEFAULT_UDP, DEFAULT_UNIX_PATH } from "./_defaults.ts";
import { describeValue } from "./meter_id.ts";

/**
 * Where lines go, as parsed from a location string.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import type { Location } from "@spectator/client";
 *
 * const target: Location = { kind: "udp", host: "::1", port: 1234 }; // what udp://[::1]:1234 means
 * deepStrictEqual(target.kind, "udp");
 * ```
 */
export type Location =
  | { kind: "none" | "memory" | "stdout" | "stderr" }
  | { kind: "file"; path: string }
  | { kind: "udp"; host: string; port: number }
  | { kind: "unix"; path: string };

/** The valid forms, for error messages. */
export const LOCATION_FORMS: string =
  `"none", "memory", "stdout", "stderr", "udp", "unix", "file://<absolute path>", ` +
  `"udp://<host>:<port>" (an IPv6 host in brackets) or "unix://<absolute path>"`;

const SIMPLE = new Set(["none", "memory", "stdout", "stderr"]);
const UDP_URL = /^udp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]+)$/;

/**
 * Parses a location string. Throws a `TypeError` naming the valid forms for
 * anything else, and a `RangeError` for a port outside 0-65535.
 *
 * @param location the location string, e.g. `udp://127.0.0.1:1234`
 * @param source what the value came from, for messages (`location` or
 *   `SPECTATOR_OUTPUT_LOCATION`)
 * @returns the parsed target
 *
 * @example Dispatch on the scheme
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { parseLocation } from "./location.ts";
 *
 * deepStrictEqual(parseLocation("udp"), { kind: "udp", host: "127.0.0.1", port: 1234 });
 * deepStrictEqual(parseLocation("file:///tmp/metrics.txt"), { kind: "file", path: "/tmp/metrics.txt" });
 * ```
 */
export function parseLocation(location: unknown, source: string = "location"): Location {
  const received = typeof location === "string"
    ? describeValue(location)
    : `${describeValue(location)} (${typeof location})`;
  const invalid = (why: string) => `Cannot create Config: ${source} ${why}: received ${received}`;
  if (typeof location !== "string") throw new TypeError(invalid(`must be a string, one of ${LOCATION_FORMS}`));
  if (SIMPLE.has(location)) return { kind: location as "none" | "memory" | "stdout" | "stderr" };
  if (location === "udp") return { kind: "udp", ...DEFAULT_UDP };
  if (location === "unix") return { kind: "unix", path: DEFAULT_UNIX_PATH };
  if (location.startsWith("udp://")) {
    const match = UDP_URL.exec(location);
    if (match === null) throw new TypeError(invalid(`must be one of ${LOCATION_FORMS} ("udp://" needs <host>:<port>)`));
    const port = Number(match[2]);
    if (port > 65535) throw new RangeError(invalid("must have a port from 0 to 65535"));
    return { kind: "udp", host: match[1].replace(/^\[|\]$/g, ""), port };
  }
  for (const kind of ["file", "unix"] as const) {
    if (!location.startsWith(`${kind}://`)) continue;
    const path = location.slice(kind.length + 3);
    if (!path.startsWith("/") || path.includes("\0")) {
      throw new TypeError(
        invalid(
          `must be one of ${LOCATION_FORMS} ("${kind}://" needs an absolute path, e.g. "${kind}:///tmp/metrics")`,
        ),
      );
    }
    return { kind, path };
  }
  throw new TypeError(invalid(`must be one of ${LOCATION_FORMS}`));
}

/**
 * Writes a host as it stands in a location or an address: an IPv6 address
 * in brackets, anything else as it is.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { formatHost } from "./location.ts";
 *
 * strictEqual(`udp://${formatHost("::1")}:1234`, "udp://[::1]:1234");
 * strictEqual(formatHost("127.0.0.1"), "127.0.0.1");
 * ```
 */
export function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
