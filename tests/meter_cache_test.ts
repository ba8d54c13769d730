import assert from "node:assert/strict";
import { test } from "node:test";
import { Config, type ConfigOptions, Counter, type Meter, MeterId } from "../mod.ts";
import { MeterCache } from "../src/_meter_cache.ts";
import { memoryRegistry } from "./helpers/memory.ts";
import { METER_KINDS, meterByName, update } from "./helpers/meter_kinds.ts";
import { pick, random, randomInt } from "./helpers/random.ts";

/** A distinct meter for each cache entry (the cache never looks inside it). */
function meter(name = "cached"): Meter {
  return new Counter(new MeterId(name));
}

/** The cache key of entry `i`: a name and two tags, all distinct per entry. */
function key(i: number): [name: string, tags: Record<string, string>] {
  return [`name.${i}`, { [`key.${i}`]: `value.${i}`, [`other.${i}`]: `more.${i}` }];
}

/**
 * Runs `fn` and returns how many entries the Maps it touched hold afterwards.
 * MeterCache is a tree of Maps (one entry per node), so after a run that
 * touches nothing else this is the number of nodes in its tree.
 */
function mapEntriesAfter(fn: () => void): number {
  const touched = new Set<Map<unknown, unknown>>();
  const original = Map.prototype.set;
  Map.prototype.set = function (this: Map<unknown, unknown>, k: unknown, v: unknown) {
    touched.add(this);
    return original.call(this, k, v);
  } as typeof original;
  try {
    fn();
  } finally {
    Map.prototype.set = original;
  }
  let entries = 0;
  for (const map of touched) entries += map.size;
  return entries;
}

test("MeterCache returns the meter cached for the same type, name and tags", () => {
  const cache = new MeterCache(100);
  const counter = meter();
  assert.equal(cache.get("c", "requests", { status: "200" }), undefined);
  assert.equal(cache.set("c", "requests", { status: "200" }, counter), counter);
  assert.equal(cache.get("c", "requests", { status: "200" }), counter);
  assert.equal(cache.get("c", "requests", { status: "200" }), counter);
  const untagged = meter();
  cache.set("c", "requests", undefined, untagged);
  assert.equal(cache.get("c", "requests", undefined), untagged);
  assert.equal(cache.get("c", "requests", {}), untagged, "no tags and empty tags are the same key");
  assert.equal(cache.size, 2);
});

test("MeterCache keeps another type, name or tag value apart", () => {
  const cache = new MeterCache(100);
  const base = meter();
  cache.set("c", "x", { a: "1", b: "2" }, base);
  const others: [type: string, name: string, tags: Record<string, string> | undefined][] = [
    ["g", "x", { a: "1", b: "2" }],
    ["g,60", "x", { a: "1", b: "2" }],
    ["g,120", "x", { a: "1", b: "2" }],
    ["c", "y", { a: "1", b: "2" }],
    ["c", "x", { a: "1", b: "3" }],
    ["c", "x", { a: "0", b: "2" }],
    ["c", "x", { a: "1", c: "2" }],
    ["c", "x", { a: "1" }],
    ["c", "x", { a: "1", b: "2", c: "3" }],
    ["c", "x", undefined],
  ];
  for (const [type, name, tags] of others) {
    assert.equal(cache.get(type, name, tags), undefined, `${type} ${name} ${JSON.stringify(tags)} before`);
  }
  const made = others.map(([type, name, tags]) => cache.set(type, name, tags, meter()));
  for (const [i, [type, name, tags]] of others.entries()) {
    assert.equal(cache.get(type, name, tags), made[i], `${type} ${name} ${JSON.stringify(tags)}`);
  }
  assert.equal(cache.get("c", "x", { a: "1", b: "2" }), base);
  assert.equal(cache.size, others.length + 1);
});

test("MeterCache never confuses names and tags made of separator-like characters", () => {
  const parts = [
    "",
    "a",
    "b",
    "ab",
    ":",
    "a:",
    ":a",
    "a:b",
    ",",
    "a,b",
    "=",
    "a=b",
    "\u0000",
    "a\u0000b",
    "1",
    "11",
    "1:a",
    "2:ab",
    "c",
    "g,60",
  ];
  const next = random(31);
  const keys: [name: string, tags: Record<string, string>][] = [];
  for (const name of parts) keys.push([name, {}]);
  for (let i = 0; i < 400; i++) {
    const tags: Record<string, string> = {};
    for (let n = randomInt(next, 3); n > 0; n--) tags[pick(next, parts)] = pick(next, parts);
    keys.push([pick(next, parts) + pick(next, parts), tags]);
  }
  const cache = new MeterCache(100_000);
  /** The meter cached for each key, tags in the order given. */
  const cached = new Map<string, Meter>();
  /** Every meter cached for each key, tags in any order: the same tags in another order may find any of them. */
  const equal = new Map<string, Set<Meter>>();
  for (const [name, tags] of keys) {
    const entries = Object.entries(tags);
    const exact = JSON.stringify([name, entries]);
    const unordered = JSON.stringify([name, entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
    const found = cache.get("c", name, tags);
    if (cached.has(exact)) {
      assert.equal(found, cached.get(exact), `lookup of ${exact}`);
      continue;
    }
    if (found !== undefined) {
      assert.ok(equal.get(unordered)?.has(found), `lookup of ${exact} found the meter of another key`);
      continue;
    }
    const made = cache.set("c", name, tags, meter());
    cached.set(exact, made);
    if (!equal.has(unordered)) equal.set(unordered, new Set());
    equal.get(unordered)!.add(made);
  }
  assert.equal(cache.size, cached.size);
  assert.ok(cached.size > 100, `only ${cached.size} distinct keys`);
});

/** Pairs of keys that naive string keys would confuse: each pair must stay two entries. */
const LOOKALIKES: [type: string, name: string, tags: Record<string, string>][][] = [
  [["c", "a", { b: "c,d=e" }], ["c", "a", { b: "c", d: "e" }]],
  [["c", "a,b=c", {}], ["c", "a", { b: "c" }]],
  [["c", "a:b", {}], ["c", "a", { b: "" }]],
  [["c", "a", { "=": "" }], ["c", "a", { "": "=" }]],
  [["c", "a", { "a=b": "c" }], ["c", "a", { a: "b=c" }]],
  [["c", "a\u0000b", { c: "d" }], ["c", "a", { "b\u0000c": "d" }]],
  [["c", "a", { b: "c\u0000d\u0000e" }], ["c", "a", { b: "c", d: "e" }]],
  [["g,60", "x", {}], ["g", "60,x", {}]],
  [["g,60", "x", {}], ["g", "60:x", {}]],
  [["c", "1", { "1a": "2" }], ["c", "11", { a: "2" }]],
  [["c", "2:ab", {}], ["c", "ab", {}]],
  [["c", "12", { "3": "4" }], ["c", "1", { "23": "4" }]],
];

test("MeterCache keeps apart keys that naive string keys would confuse", () => {
  for (const pair of LOOKALIKES) {
    const cache = new MeterCache(100);
    const [first, second] = pair.map(([type, name, tags]) => {
      assert.equal(cache.get(type, name, tags), undefined, JSON.stringify(pair));
      return cache.set(type, name, tags, meter());
    });
    for (const [i, [type, name, tags]] of pair.entries()) {
      assert.equal(cache.get(type, name, tags), [first, second][i], JSON.stringify(pair));
    }
  }
});

test("MeterCache holds at most capacity meters under ten times as many keys", () => {
  const capacity = 100;
  const cache = new MeterCache(capacity);
  for (let i = 0; i < 10 * capacity; i++) {
    const [name, tags] = key(i);
    cache.set("c", name, tags, meter());
    assert.ok(cache.size <= capacity, `${cache.size} meters after ${i + 1} keys`);
    assert.ok(cache.get("c", name, tags) !== undefined, "the newest key is cached");
  }
  assert.ok(cache.size >= capacity * 0.8, `only ${cache.size} meters kept`);
});

test("MeterCache evicts the least recently used meters first", () => {
  const capacity = 100;
  const cache = new MeterCache(capacity);
  const meters = Array.from({ length: capacity }, (_, i) => cache.set("c", ...key(i), meter()));
  // Entry 0 was made first, but is used now: every other old entry is older than it.
  assert.equal(cache.get("c", ...key(0)), meters[0]);
  for (let i = capacity; i < capacity + capacity / 2; i++) {
    cache.set("c", ...key(i), meter());
    assert.equal(cache.get("c", ...key(0)), meters[0], `the recently used meter survives key ${i}`);
  }
  // Half a cache of new keys: the oldest unused entries went, the newer old ones stayed.
  for (let i = 1; i <= 40; i++) assert.equal(cache.get("c", ...key(i)), undefined, `key ${i} was evicted`);
  for (let i = 60; i < capacity; i++) assert.equal(cache.get("c", ...key(i)), meters[i], `key ${i} was kept`);
  assert.ok(cache.size <= capacity);
});

test("MeterCache with capacity 0 caches nothing", () => {
  const cache = new MeterCache(0);
  const counter = meter();
  assert.equal(cache.set("c", "x", { a: "1" }, counter), counter);
  assert.equal(cache.get("c", "x", { a: "1" }), undefined);
  assert.equal(cache.size, 0);
});

/** Values of every type but string, as untyped JavaScript may pass them. */
const NOT_STRINGS: unknown[] = [42, undefined, null, Symbol("s"), {}, Object.create(null), [], true, 1n, () => 1];
/** Tags that are not an object (undefined and null, meaning no tags, are left out). */
const NOT_TAGS: unknown[] = [42, "a=1", Symbol("s"), true, 1n, () => 1];
/** Tag values an id drops (finite numbers, booleans and bigints it keeps as text). */
const DROPPED_TAG_VALUES: unknown[] = [
  undefined,
  null,
  Symbol("s"),
  {},
  Object.create(null),
  [],
  () => 1,
  NaN,
  Infinity,
];

/** The cases of untyped names and tags: a name that is not a string, tags that are not an object, a tag value an id drops. */
function untypedCases(): [name: unknown, tags: unknown][] {
  const cases: [name: unknown, tags: unknown][] = [];
  for (const value of NOT_STRINGS) cases.push([value, undefined], [value, { a: "1" }]);
  for (const value of NOT_TAGS) cases.push(["not.tags", value]);
  for (const value of DROPPED_TAG_VALUES) cases.push(["odd.value", { a: value }], ["odd.value", { a: "1", b: value }]);
  return cases;
}

test("MeterCache takes null tags as no tags, as spectator-py takes None", () => {
  const cache = new MeterCache(100);
  const get = cache.get.bind(cache) as (type: string, name: unknown, tags: unknown) => Meter | undefined;
  const counter = meter();
  cache.set("c", "no.tags", undefined, counter);
  assert.equal(get("c", "no.tags", null), counter);
});

test("MeterCache never throws for names that are not strings and tags an id drops, and caches none of them", () => {
  const cache = new MeterCache(100);
  const get = cache.get.bind(cache) as (type: string, name: unknown, tags: unknown) => Meter | undefined;
  const set = cache.set.bind(cache) as (type: string, name: unknown, tags: unknown, meter: Meter) => Meter;
  for (const [name, tags] of untypedCases()) {
    const counter = meter();
    assert.equal(get("c", name, tags), undefined);
    assert.equal(set("c", name, tags, counter), counter);
    assert.equal(get("c", name, tags), undefined);
  }
  assert.equal(cache.size, 0);
  // Strings that spell those values are other keys.
  for (const value of ["undefined", "null", "[object Object]"]) cache.set("c", value, { a: value }, meter());
  assert.equal(cache.size, 3);
  for (const value of [undefined, null, {}]) assert.equal(get("c", String(value), { a: value }), undefined);
});

test("MeterCache prunes evicted branches, so its tree stays bounded", () => {
  const capacity = 50;
  const cache = new MeterCache(capacity);
  const meters = Array.from({ length: 5000 }, () => meter());
  // Every key is a path of 2 + 2 * 2 = 6 nodes shared with no other key.
  const nodes = mapEntriesAfter(() => {
    for (const [i, counter] of meters.entries()) cache.set("c", ...key(i), counter);
  });
  assert.ok(cache.size <= capacity);
  assert.ok(nodes > 0, "MeterCache is expected to be a tree of Maps (this test counts their entries)");
  // The type node, then at most 5 more per cached meter; without pruning it would be 25000.
  assert.ok(nodes <= 1 + 5 * capacity, `${nodes} nodes for ${cache.size} meters`);
});

test("Registry factories return the same meter for the same name and tags", () => {
  const { registry, writer } = memoryRegistry();
  for (const kind of METER_KINDS) {
    const first = meterByName(registry, kind, "same.meter", { a: "1", b: "2" });
    assert.equal(meterByName(registry, kind, "same.meter", { a: "1", b: "2" }), first, kind.factory);
    assert.equal(meterByName(registry, kind, "same.meter", { a: "1", b: "3" }) === first, false, kind.factory);
    assert.equal(meterByName(registry, kind, "same.meter.2", { a: "1", b: "2" }) === first, false, kind.factory);
    const untagged = meterByName(registry, kind, "same.meter");
    assert.equal(meterByName(registry, kind, "same.meter"), untagged, kind.factory);
    assert.equal(meterByName(registry, kind, "same.meter", {}), untagged, kind.factory);
  }
  assert.equal(registry.gauge("ttl", { a: "1" }, 60), registry.gauge("ttl", { a: "1" }, 60));
  assert.ok(writer.isEmpty());
});

test("Registry keeps counters, gauges and gauges with different TTLs apart", () => {
  const { registry, writer } = memoryRegistry();
  const meters = [
    registry.counter("kind"),
    registry.gauge("kind"),
    registry.gauge("kind", undefined, 60),
    registry.gauge("kind", undefined, 120),
    registry.maxGauge("kind"),
    registry.monotonicCounter("kind"),
  ];
  assert.equal(new Set(meters).size, meters.length);
  for (const m of meters) update(m, m instanceof Counter ? "increment" : "set", 1);
  assert.deepEqual(writer.get(), ["c:kind:1", "g:kind:1", "g,60:kind:1", "g,120:kind:1", "m:kind:1", "C:kind:1"]);
});

test(
  "Registry.gauge() with a TTL it ignores is not the gauge with that TTL",
  () => {
    const { registry, writer } = memoryRegistry();
    (registry.gauge as (name: string, tags: undefined, ttl: unknown) => unknown)("ttl.string", undefined, "60");
    registry.gauge("ttl.string", undefined, 60).set(1);
    // A bigint TTL is typed too: the twin of a Python int.
    registry.gauge("ttl.bigint", undefined, 120n);
    registry.gauge("ttl.bigint", undefined, 120).set(1);
    assert.deepEqual(writer.get(), ["g,60:ttl.string:1", "g,120:ttl.bigint:1"]);
  },
);

test("Registry gives tags in another order an equal id", () => {
  const { registry, writer } = memoryRegistry();
  const one = registry.counter("order", { a: "1", b: "2", c: "3" });
  const other = registry.counter("order", { c: "3", a: "1", b: "2" });
  assert.ok(one.id().equals(other.id()));
  one.increment();
  other.increment();
  assert.deepEqual(writer.get(), ["c:order,a=1,b=2,c=3:1", "c:order,a=1,b=2,c=3:1"]);
});

test("Registry returns the right meter for crafted names and tags", () => {
  const { registry } = memoryRegistry();
  const parts = ["a", "ab", "a:", ":a", "a:b", "a,b", "a=b", "a\u0000b", "1", "12", "1:a", "c:a", "g,60"];
  const next = random(5);
  const made: Meter[] = [];
  for (let i = 0; i < 600; i++) {
    const name = pick(next, parts) + (next() < 0.5 ? pick(next, parts) : "");
    const tags: Record<string, string> = {};
    for (let n = randomInt(next, 3); n > 0; n--) tags[pick(next, parts)] = pick(next, parts);
    const counter = registry.counter(name, tags);
    assert.ok(counter.id().equals(registry.newId(name, tags)), `${JSON.stringify([name, tags])} got ${counter.id()}`);
    made.push(counter);
  }
  assert.ok(new Set(made).size < made.length, "some keys repeated, and were served from the cache");
  for (const pair of LOOKALIKES) {
    const meters = pair.map(([type, name, tags]) => {
      const made = type === "c"
        ? registry.counter(name, tags)
        : registry.gauge(name, tags, type === "g" ? undefined : 60);
      assert.ok(made.id().equals(registry.newId(name, tags)), `${JSON.stringify([type, name, tags])} got ${made.id()}`);
      return made;
    });
    assert.notEqual(meters[0], meters[1], JSON.stringify(pair));
  }
});

test(
  "Registry never serves a meter made for inherited tags to own tags of the same key",
  () => {
    const { registry, writer } = memoryRegistry();
    registry.counter("inherited", Object.create({ a: "1" }));
    registry.counter("inherited", { a: "1" }).increment();
    assert.deepEqual(writer.get(), ["c:inherited,a=1:1"]);
  },
);

test("Registry evicts the least recently used meters past meterCacheSize", () => {
  const { registry } = memoryRegistry({ meterCacheSize: 20 });
  const kept = registry.counter("kept");
  const old = registry.counter("old");
  for (let i = 0; i < 200; i++) {
    registry.counter(`wave.${i}`);
    assert.equal(registry.counter("kept"), kept, `the recently used meter survives wave ${i}`);
  }
  const again = registry.counter("old");
  assert.notEqual(again, old, "the unused meter was evicted");
  assert.ok(again.id().equals(old.id()));
});

test("Registry with meterCacheSize 0 makes a new meter every time, writing the same lines", () => {
  const { registry, writer } = memoryRegistry({ meterCacheSize: 0 });
  const one = registry.counter("uncached", { a: "1" });
  const two = registry.counter("uncached", { a: "1" });
  assert.notEqual(one, two);
  one.increment();
  two.increment();
  assert.deepEqual(writer.get(), ["c:uncached,a=1:1", "c:uncached,a=1:1"]);
});

test("Registry factories never throw for names that are not strings and tags an id drops, and make working, uncached meters", () => {
  const { registry, writer } = memoryRegistry();
  for (const kind of METER_KINDS) {
    const factory = registry[kind.factory] as (name: unknown, tags: unknown) => Meter;
    for (const [name, tags] of untypedCases()) {
      writer.clear();
      const first = factory.call(registry, name, tags);
      const second = factory.call(registry, name, tags);
      const what = `${kind.factory}(${typeof name}, ${typeof tags})`;
      assert.notEqual(first, second, `${what} is not cached`);
      assert.ok(first.id().equals(second.id()), what);
      update(first, kind.update, 1);
      // A name that stringifies to "" (e.g. []) would make a line SpectatorD rejects: such a meter writes nothing.
      const expected = first.id().name() === "" ? [] : [`${kind.symbol}:${first.id().spectatordId}:1`];
      assert.deepEqual(writer.get(), expected, what);
    }
  }
});

test("Config validates meterCacheSize, naming the value", () => {
  const configWith = (options: Record<string, unknown>) =>
    new Config({ location: "none", ...options } as ConfigOptions);
  assert.equal(configWith({}).meterCacheSize, 10_000);
  assert.equal(configWith({ meterCacheSize: 0 }).meterCacheSize, 0);
  assert.equal(configWith({ meterCacheSize: 10_000_000 }).meterCacheSize, 10_000_000);
  const cases: [value: unknown, error: string, message: string][] = [
    [-1, "RangeError", "meterCacheSize must be from 0 to 10000000: received -1"],
    [10_000_001, "RangeError", "meterCacheSize must be from 0 to 10000000: received 10000001"],
    [1.5, "TypeError", "meterCacheSize must be an integer: received 1.5"],
    [NaN, "TypeError", "meterCacheSize must be an integer: received NaN"],
    [Infinity, "TypeError", "meterCacheSize must be an integer: received Infinity"],
    ["100", "TypeError", 'meterCacheSize must be an integer: received "100"'],
    [true, "TypeError", "meterCacheSize must be an integer: received true"],
  ];
  for (const [value, name, message] of cases) {
    assert.throws(() => configWith({ meterCacheSize: value }), { name, message: `Cannot create Config: ${message}` });
  }
});
