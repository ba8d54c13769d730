/**
 * The process-wide registry with the default configuration.
 *
 * @module
 */

import { Registry } from "./registry.ts";

let instance: Registry | undefined;
/** Methods bound to the instance once, so a call through the proxy allocates nothing. */
const boundMethods = new Map<PropertyKey, unknown>();

/**
 * A {@linkcode Registry} with the default `Config` (UDP to the local
 * SpectatorD unless `SPECTATOR_OUTPUT_LOCATION` says otherwise), created on
 * first use: importing the module reads no environment variable and opens no
 * socket.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { GlobalRegistry } from "@spectator/client";
 *
 * GlobalRegistry.counter("server.requestCount").increment();
 * strictEqual(GlobalRegistry.counter("server.requestCount"), GlobalRegistry.counter("server.requestCount"));
 * ```
 */
export const GlobalRegistry: Registry = new Proxy(Object.create(Registry.prototype) as Registry, {
  get(_target, property) {
    instance ??= new Registry();
    const value = Reflect.get(instance, property, instance);
    if (typeof value !== "function") return value;
    let bound = boundMethods.get(property);
    if (bound === undefined) boundMethods.set(property, bound = value.bind(instance));
    return bound;
  },
});
