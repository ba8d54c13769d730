import assert from "node:assert/strict";
import { test } from "node:test";
import { DatagramBuffer } from "../../src/writers/_datagram_buffer.ts";
import { random, randomInt } from "../helpers/random.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NO_PREFIX = new Uint8Array(0);

function text(buffer: DatagramBuffer): string {
  return decoder.decode(buffer.seal().bytes);
}

test("DatagramBuffer joins lines with \\n and spells numbers as String() does, -0 with its sign", () => {
  const buffer = new DatagramBuffer(1024, 1 << 20);
  const prefix = encoder.encode("g:queue:");
  for (const value of [0, -0, 7, 4294967295, 4294967296, -1, 0.5, 1e-7, 1e21, NaN, -Infinity]) {
    assert.equal(buffer.append(prefix, value), "ok");
  }
  assert.equal(
    text(buffer),
    ["0", "-0", "7", "4294967295", "4294967296", "-1", "0.5", "1e-7", "1e+21", "NaN", "-Infinity"]
      .map((v) => `g:queue:${v}`).join("\n"),
  );
});

test("DatagramBuffer writes strings as UTF-8: a meter's ASCII digits and any whole line", () => {
  const next = random(7);
  for (let i = 0; i < 500; i++) {
    const buffer = new DatagramBuffer(4096, 1 << 20);
    const digits = BigInt.asUintN(64, BigInt(randomInt(next, 2 ** 53)) * 4099n).toString();
    const line = `c:é${"x".repeat(randomInt(next, 60))}ü:${i}`;
    assert.equal(buffer.append(encoder.encode("U:packets:"), digits), "ok");
    assert.equal(buffer.append(NO_PREFIX, line), "ok");
    assert.equal(buffer.append(NO_PREFIX, "€"), "ok");
    const { bytes, lines } = buffer.seal();
    assert.deepEqual(bytes, encoder.encode(`U:packets:${digits}\n${line}\n€`));
    assert.equal(lines, 3);
  }
});

test("DatagramBuffer says full when a line fits only an empty datagram, too long when it fits none", () => {
  const buffer = new DatagramBuffer(20, 1 << 20);
  const prefix = encoder.encode("c:name:");
  assert.equal(buffer.append(prefix, 123456), "ok"); // 13 bytes
  assert.equal(buffer.append(prefix, 1234567), "full"); // 1 + 14 more would make 28
  assert.equal(buffer.append(prefix, 1234567890123456), "too long"); // 23 bytes fit no datagram
  assert.equal(buffer.append(NO_PREFIX, "c:name:éééééééé"), "full"); // 15 characters, 23 bytes: only encoding tells
  assert.equal(buffer.append(NO_PREFIX, "c:name:1234567890123456"), "too long");
  assert.equal(text(buffer), "c:name:123456");
  assert.equal(buffer.append(NO_PREFIX, "c:name:éééééééé"), "too long");
  assert.equal(buffer.append(prefix, 1234567890123), "ok"); // exactly 20 bytes
  assert.equal(buffer.length, 20);
});

test("DatagramBuffer counts pending bytes until released, and refuses a line past the bound", () => {
  const buffer = new DatagramBuffer(100, 20);
  const prefix = encoder.encode("c:a:");
  assert.equal(buffer.append(prefix, 12345), "ok"); // 9 bytes
  assert.equal(buffer.append(prefix, 1234), "ok"); // 1 + 8: exactly 18
  assert.equal(buffer.append(prefix, 1), "over"); // 1 + 5 would make 24
  assert.equal(buffer.pendingBytes, 18);
  const sealed = buffer.seal();
  assert.equal(buffer.length, 0);
  assert.equal(buffer.pendingBytes, 18, "a sealed datagram still counts until it leaves");
  assert.equal(buffer.append(prefix, 1), "over");
  buffer.release(sealed.bytes.length);
  assert.equal(buffer.pendingBytes, 0);
  assert.equal(buffer.append(prefix, 1), "ok");
});

test("DatagramBuffer.take() lends its memory, and detach() leaves it to the receiver", () => {
  const buffer = new DatagramBuffer(100, 1000);
  const prefix = encoder.encode("c:a:");
  buffer.append(prefix, 1);
  const lent = buffer.take();
  assert.equal(decoder.decode(lent.bytes), "c:a:1");
  buffer.append(prefix, 2);
  assert.equal(decoder.decode(lent.bytes), "c:a:2", "without detach() the memory is filled again");
  const kept = buffer.take();
  buffer.detach();
  buffer.append(prefix, 3);
  assert.equal(decoder.decode(kept.bytes), "c:a:2", "after detach() a new line starts new memory");
  assert.equal(text(buffer), "c:a:3");
});
