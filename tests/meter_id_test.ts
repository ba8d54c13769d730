import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MeterId } from "../mod.ts";
import { compareCodePoints, sanitize } from "../src/meter_id.ts";
import { CollectingLogger } from "./helpers/collecting_logger.ts";

/** An id built from untyped input, as plain JavaScript callers can. */
function untypedId(name: string, tags: unknown, logger: CollectingLogger): MeterId {
  return new MeterId(name, tags as Record<string, string>, { logger });
}

describe("MeterId equality", () => {
  test("MeterId.equals() holds for the same name and no tags", () => {
    assert.ok(new MeterId("foo").equals(new MeterId("foo")));
  });

  test("MeterId.equals() ignores the order of the tags", () => {
    const first = new MeterId("foo", { a: "1", b: "2", c: "3" });
    const second = new MeterId("foo", { c: "3", b: "2", a: "1" });
    assert.ok(first.equals(second));
    assert.ok(second.equals(first));
    assert.equal(first.spectatordId, second.spectatordId);
  });

  test("MeterId.equals() is false for another name, other tags or another type", () => {
    const id = new MeterId("foo", { a: "1" });
    const others: unknown[] = [
      new MeterId("bar", { a: "1" }),
      new MeterId("foo", { a: "2" }),
      new MeterId("foo", { b: "1" }),
      new MeterId("foo", { a: "1", b: "2" }),
      new MeterId("foo"),
      1,
      "foo",
      undefined,
      { name: () => "foo", tags: () => ({ a: "1" }) },
    ];
    for (const other of others) assert.equal(id.equals(other), false, String(other));
  });

  test("MeterId.spectatordId works as a map key for equal ids", () => {
    const byId = new Map([[new MeterId("foo", { a: "1", b: "2", c: "3" }).spectatordId, "test"]]);
    assert.equal(byId.get(new MeterId("foo", { c: "3", b: "2", a: "1" }).spectatordId), "test");
  });
});

describe("MeterId accessors", () => {
  test("MeterId.name() returns the name as given", () => {
    assert.equal(new MeterId("foo", { a: "1" }).name(), "foo");
    assert.equal(new MeterId("a b:c").name(), "a b:c");
  });

  test("MeterId.tags() returns the tags", () => {
    assert.deepEqual(new MeterId("foo", { a: "1" }).tags(), { a: "1" });
    assert.deepEqual(new MeterId("foo").tags(), {});
  });

  test("MeterId.tags() returns a copy that does not change the id", () => {
    const id = new MeterId("foo", { a: "1" });
    const tags = id.tags();
    tags.b = "2";
    assert.deepEqual(tags, { a: "1", b: "2" });
    assert.deepEqual(id.tags(), { a: "1" });
  });

  test("MeterId keeps its own copy of the tags it was given", () => {
    const given = { a: "1" };
    const id = new MeterId("foo", given);
    given.a = "changed";
    assert.deepEqual(id.tags(), { a: "1" });
    assert.equal(id.spectatordId, "foo,a=1");
  });

  test("MeterId.toString() prints the name and tags as spectator-py does, the tags as a JavaScript object", () => {
    const cases: [MeterId, string][] = [
      [new MeterId("foo"), "MeterId(name=foo, tags={})"],
      [new MeterId("bar", { a: "1" }), 'MeterId(name=bar, tags={ a: "1" })'],
      [new MeterId("baz", { a: "1", b: "2", c: "3" }), 'MeterId(name=baz, tags={ a: "1", b: "2", c: "3" })'],
    ];
    for (const [id, expected] of cases) {
      assert.equal(id.toString(), expected);
      assert.equal(`${id}`, expected);
    }
  });
});

describe("MeterId.withTag() and withTags()", () => {
  test("MeterId.withTag() returns a new id and leaves the receiver unchanged", () => {
    const id = new MeterId("foo");
    const tagged = id.withTag("a", "1");
    assert.notEqual(tagged, id);
    assert.equal(tagged.equals(id), false);
    assert.deepEqual(id.tags(), {});
    assert.deepEqual(tagged.tags(), { a: "1" });
  });

  test("MeterId.withTags() returns a new id and leaves the receiver unchanged", () => {
    const id = new MeterId("foo");
    const tagged = id.withTags({ a: "1", b: "2" });
    assert.equal(tagged.equals(id), false);
    assert.deepEqual(id.tags(), {});
    assert.deepEqual(tagged.tags(), { a: "1", b: "2" });
    assert.equal(tagged.spectatordId, "foo,a=1,b=2");
  });

  test("MeterId.withTag() and withTags() override tags of the same key", () => {
    const id = new MeterId("foo", { a: "1", b: "2" });
    assert.deepEqual(id.withTag("a", "9").tags(), { a: "9", b: "2" });
    assert.deepEqual(id.withTags({ b: "8", c: "3" }).tags(), { a: "1", b: "8", c: "3" });
    assert.deepEqual(id.tags(), { a: "1", b: "2" });
  });

  test("MeterId.withTags({}) gives an equal id", () => {
    const id = new MeterId("foo", { a: "1" });
    assert.ok(id.withTags({}).equals(id));
  });

  test("MeterId.withTag() drops an invalid tag with a warning to the id's logger", () => {
    const logger = new CollectingLogger();
    const id = new MeterId("with.tag.invalid", { a: "1" }, { logger });
    assert.deepEqual(id.withTag("b", "").tags(), { a: "1" });
    assert.equal(logger.messages("warn").length, 1);
  });
});

describe("MeterId.spectatordId", () => {
  test("MeterId.spectatordId is the name followed by ,key=value per tag", () => {
    assert.equal(new MeterId("foo").spectatordId, "foo");
    assert.equal(new MeterId("bar", { a: "1" }).spectatordId, "bar,a=1");
    assert.equal(new MeterId("baz", { a: "1", b: "2" }).spectatordId, "baz,a=1,b=2");
  });

  test("MeterId.spectatordId replaces every illegal character with _", () => {
    const id = new MeterId("test`!@#$%^&*()-=~_+[]{}\\|;:'\",<.>/?foo");
    assert.equal(id.spectatordId, "test______^____-_~______________.___foo");
  });

  test("MeterId.spectatordId sanitizes tag keys and values too", () => {
    const id = new MeterId("req count", { "status code": "2xx/ok", "a.b-c_d~e^f": "A-z.0_9~^" });
    assert.equal(id.spectatordId, "req_count,a.b-c_d~e^f=A-z.0_9~^,status_code=2xx_ok");
  });

  test("MeterId.spectatordId sorts tags by raw key in code point order, not by locale", () => {
    const id = new MeterId("x", { b: "1", a: "2", B: "3", _: "4", "~": "5", "0": "6" });
    assert.equal(id.spectatordId, "x,0=6,B=3,_=4,a=2,b=1,~=5");
  });

  test("MeterId.spectatordId sorts by the key before it is sanitized", () => {
    // é (U+00E9) sorts after z but is written as _, which would sort before z.
    assert.equal(new MeterId("x", { "é": "accent", z: "plain" }).spectatordId, "x,z=plain,_=accent");
  });

  test("MeterId.spectatordId sorts keys above U+FFFF after keys in U+E000-U+FFFF", () => {
    // UTF-16 code units would put the surrogate pair of U+1F600 (0xD83D...) before U+E000.
    const id = new MeterId("x", {
      "\u{1F600}": "emoji",
      "\uFFFD": "replacement",
      "\uE000": "private",
      "\u{10000}": "linear",
    });
    assert.equal(id.spectatordId, "x,_=private,_=replacement,_=linear,_=emoji");
  });

  test("MeterId.spectatordId sorts keys that begin with the same lone surrogate by what follows, as Python does", () => {
    assert.equal(new MeterId("x", { "\uD83Dy": "2", "\uD83Dx": "1" }).spectatordId, "x,_x=1,_y=2");
    // A lone high surrogate (U+D83D) sorts before the pair that starts with it (U+1F600).
    assert.equal(new MeterId("x", { "\uD83D\uDE00": "2", "\uD83Dz": "1" }).spectatordId, "x,_z=1,_=2");
  });

  test("MeterId.spectatordId can never carry a protocol separator from a tag", () => {
    const id = new MeterId("name:1\n", { "key,=:": "a,b=c:d\ne\r\u2028f", ok: "x=y" });
    assert.equal(id.spectatordId, "name_1_,key___=a_b_c_d_e__f,ok=x_y");
    assert.match(id.spectatordId, /^[\x21-\x7e]+$/);
  });
});

describe("sanitize()", () => {
  test("sanitize() keeps the allowed characters -._A-Za-z0-9~^", () => {
    const allowed = "-._ABCXYZabcxyz0123456789~^";
    assert.equal(sanitize(allowed), allowed);
  });

  test("sanitize() replaces each disallowed code point with exactly one _", () => {
    const cases: [string, string][] = [
      ["a\u{1F600}b", "a_b"], // an emoji: two UTF-16 code units, one code point
      ["\u{1F44D}\u{1F3FD}", "__"], // emoji with skin tone: two code points
      ["e\u0301", "e_"], // combining accent
      ["\u00e9", "_"],
      ["\u4e2d\u6587", "__"],
      ["\uD800x", "_x"], // a lone surrogate
      ["a b\tc", "a_b_c"],
      ["", ""],
    ];
    for (const [input, expected] of cases) assert.equal(sanitize(input), expected, JSON.stringify(input));
  });
});

describe("compareCodePoints()", () => {
  test("compareCodePoints() orders strings by code point", () => {
    const sorted = ["\u{1F600}", "\uFFFD", "b", "\uE000", "a", "B", "\u{10000}", "ab", ""].sort(compareCodePoints);
    assert.deepEqual(sorted, ["", "B", "a", "ab", "b", "\uE000", "\uFFFD", "\u{10000}", "\u{1F600}"]);
  });

  test("compareCodePoints() agrees with a comparison of code point arrays", () => {
    const samples = [
      "",
      "a",
      "z",
      "\u00e9",
      "\uD7FF",
      "\uE000",
      "\uFFFF",
      "\u{10000}",
      "\u{1F600}",
      "a\u{1F600}",
      "a\uFFFF",
      // Lone surrogates are code points of their own, as in Python's strings.
      "\uD83D",
      "\uD83Dx",
      "\uD83Dy",
      "\uDE00",
      "\uDE00x",
      "\uD83D\uD83D",
      "x\uDE00\uD83D",
      "\uD83D\uDE00x",
    ];
    const reference = (a: string, b: string) => {
      const x = Array.from(a, (c) => c.codePointAt(0)!);
      const y = Array.from(b, (c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    };
    for (const a of samples) {
      for (const b of samples) {
        assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(reference(a, b)), `${a} vs ${b}`);
      }
    }
  });
});

describe("MeterId with invalid tags", () => {
  const warning = (given: string, kept: string, name: string) =>
    `spectator.meter.meter_id: MeterId(name=${name}, tags=${given}) is invalid due to tag keys or values which are ` +
    `not strings or are zero-length strings; proceeding with truncated tags MeterId(name=${name}, tags=${kept})`;

  test("MeterId drops tags whose value is empty or not a string, with spectator-py's warning", () => {
    const logger = new CollectingLogger();
    const cases: [name: string, tags: unknown, given: string, kept: string][] = [
      ["foo", { k: "" }, '{ k: "" }', "{}"],
      ["bar", { k: null }, "{ k: null }", "{}"],
      ["quux", { k: "v", n: undefined }, '{ k: "v", n: undefined }', '{ k: "v" }'],
      ["empty.key", { "": "v" }, '{ "": "v" }', "{}"],
    ];
    for (const [name, tags, , kept] of cases) {
      assert.equal(untypedId(name, tags, logger).toString(), `MeterId(name=${name}, tags=${kept})`);
    }
    assert.deepEqual(logger.messages("warn"), cases.map(([name, , given, kept]) => warning(given, kept, name)));
  });

  test("MeterId drops NaN, infinite and non-primitive values without throwing (numbers, booleans, bigints it keeps)", () => {
    const logger = new CollectingLogger();
    const values: unknown[] = [
      undefined,
      null,
      NaN,
      Infinity,
      -Infinity,
      {},
      [],
      Symbol("s"),
      () => "v",
      new String("s"),
    ];
    for (const [i, value] of values.entries()) {
      const id = untypedId(`typed.value.${i}`, { keep: "yes", bad: value }, logger);
      assert.deepEqual(id.tags(), { keep: "yes" });
      assert.equal(id.spectatordId, `typed.value.${i},keep=yes`);
    }
    assert.equal(logger.messages("warn").length, values.length);
  });

  test("MeterId treats tags that are not an object as no tags, with a warning; null quietly, as spectator-py's None", () => {
    const logger = new CollectingLogger();
    for (const tags of [null, "a=b", 42]) {
      assert.deepEqual(untypedId(`not.an.object.${String(tags)}`, tags, logger).tags(), {});
    }
    assert.deepEqual(logger.messages("warn").map((m) => m.slice(0, m.indexOf(" is invalid"))), [
      'spectator.meter.meter_id: MeterId(name=not.an.object.a=b, tags="a=b")',
      "spectator.meter.meter_id: MeterId(name=not.an.object.42, tags=42)",
    ]);
  });

  test("MeterId warns once per distinct invalid id", () => {
    const logger = new CollectingLogger();
    untypedId("warn.once", { k: "" }, logger);
    untypedId("warn.once", { k: "" }, logger);
    assert.equal(logger.messages("warn").length, 1);
    untypedId("warn.once", { other: "" }, logger);
    assert.equal(logger.messages("warn").length, 2);
  });

  test("MeterId keeps no name that is not a string, without throwing (its meters write nothing)", () => {
    const id = new MeterId(42 as unknown as string, { a: "1" });
    assert.equal(id.name(), "");
    assert.equal(id.spectatordId, ",a=1");
    assert.equal(id.withTag("b", "2").name(), "");
  });
});
