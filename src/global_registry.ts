/**
 * The process-wide registry with the default configuration.
 *
 * @module
 */

import { Registry } from "./registry.ts";

let instance: Registry | undefined;

/**
 * A {@linkcode Registry} with the default `Config` (UDP to the local
 * SpectatorD unless `SPECTATOR_OUTPUT_LOCATION` says otherwise), created on
 * first use: importing the module reads no environment variable and opens no
 * socket.
 *
 * @example
 * ```ts
 * import { GlobalRegistry } from "@spectator/client";
 *
 * GlobalRegistry.counter("server.requestCount").increment();
 * ```
 */
export const GlobalRegistry: Registry = new Proxy(Object.create(Registry.prototype) as Registry, {
  get(_target, property) {
    instance ??= new Registry();
    const value = Reflect.get(instance, property, instance);
    return typeof value === "function" ? value.bind(instance) : value;
  },
});
