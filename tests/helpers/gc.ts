/**
 * A full garbage collection on demand, for tests of what the library lets go: Bun's `Bun.gc`, V8's `gc` (exposed
 * through `node:v8` and `node:vm` on Node and Deno).
 *
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

/** Returns a function that collects garbage now, on every runtime the suite runs on. */
function collector(): () => void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return () => bun.gc(true);
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Collects garbage now. */
export const forceGc: () => void = collector();
