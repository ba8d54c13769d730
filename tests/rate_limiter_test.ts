import assert from "node:assert/strict";
import { test } from "node:test";
import { RateLimiter } from "../src/_rate_limiter.ts";

test("RateLimiter lets one message per key through per interval and counts what it held back", () => {
  let now = 0;
  const limiter = new RateLimiter(1000, () => now);
  assert.deepEqual([limiter.take("a"), limiter.take("a"), limiter.take("b")], [0, undefined, 0]);
  now = 1000;
  assert.deepEqual([limiter.take("a"), limiter.take("b")], [1, 0]);
});

test("RateLimiter remembers at most its capacity of keys, forgetting the one seen first", () => {
  let now = 0;
  const limiter = new RateLimiter(60_000, () => now, 3);
  for (const key of ["a", "b", "c"]) assert.equal(limiter.take(key), 0);
  assert.equal(limiter.take("a"), undefined, "a is remembered while the capacity holds");
  assert.equal(limiter.take("d"), 0);
  // d pushed a out: a is let through again at once; b and c are still held back.
  assert.deepEqual([limiter.take("a"), limiter.take("c")], [0, undefined]);
  now = 1;
  // 10,000 distinct ids under the default capacity stay bounded too: the first ones come through again.
  const big = new RateLimiter(60_000, () => now);
  for (let i = 0; i < 10_001; i++) big.take(`id${i}`);
  assert.equal(big.take("id0"), 0);
  assert.equal(big.take("id10000"), undefined);
});
