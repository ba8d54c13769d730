/**
 * Values ready now or later. A transport opens synchronously when everything
 * it needs is already loaded, so the line of a program's first update can
 * leave in the turn that wrote it (and before a `process.exit()` in the
 * next), and asynchronously otherwise.
 *
 * @module
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Calls `next` with `value`: at once when it is not a promise, else once it
 * resolves.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { andThen } from "./_maybe_async.ts";
 *
 * strictEqual(andThen(20, (n) => n + 1), 21);
 * strictEqual(await andThen(Promise.resolve(20), (n) => n + 1), 21);
 * ```
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Returns a loader of a module that imports it once: a promise until it has
 * loaded, the module itself from then on. A failed import stays failed.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { lazyModule } from "./_maybe_async.ts";
 *
 * const assertModule = lazyModule(() => import("node:assert/strict"));
 * strictEqual(assertModule() instanceof Promise, true);
 * await assertModule();
 * strictEqual(typeof (assertModule() as { strictEqual: unknown }).strictEqual, "function");
 * ```
 */
export function lazyModule<M>(load: () => Promise<M>): () => MaybePromise<M> {
  let loaded: M | undefined;
  let loading: Promise<M> | undefined;
  return () => loaded ?? (loading ??= load().then((module) => (loaded = module)));
}
