/**
 * A decoder for the part of the Smile format (binary JSON) that SpectatorD
 * writes when it publishes: the header, one array of small and 32-bit
 * integers, 64-bit floats and ASCII strings. Anything else is rejected,
 * naming the token and where it is.
 *
 * @module
 */

/** A value of the subset: an integer or float, an ASCII string, or an array of values. */
export type SmileValue = number | string | SmileValue[];

const HEADER = [0x3a, 0x29, 0x0a]; // ":)\n", then a flags byte
const START_ARRAY = 0xf8;
const END_ARRAY = 0xf9;
const EMPTY_STRING = 0x20;
const INT32 = 0x24;
const FLOAT64 = 0x29;
const LONG_ASCII = 0xe0;
const END_OF_STRING = 0xfc;

/**
 * Decodes a Smile document of the subset SpectatorD writes.
 *
 * @param bytes the document, header included
 * @returns its one value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSmile } from "./smile.ts";
 *
 * // [2, "name"]: small int 2 (zigzag 4 = 0xc4), then a 4-byte tiny ASCII string
 * const bytes = new Uint8Array([0x3a, 0x29, 0x0a, 0, 0xf8, 0xc4, 0x43, 0x6e, 0x61, 0x6d, 0x65, 0xf9]);
 * assert.deepEqual(decodeSmile(bytes), [2, "name"]);
 * ```
 */
export function decodeSmile(bytes: Uint8Array): SmileValue {
  if (bytes.length < 4 || HEADER.some((byte, i) => bytes[i] !== byte)) {
    throw new SyntaxError("not a Smile document: the header ':)\\n' is missing");
  }
  const reader = { bytes, at: 4 };
  const value = readValue(reader);
  if (reader.at !== bytes.length) throw new SyntaxError(`${bytes.length - reader.at} bytes after the value`);
  return value;
}

interface Reader {
  bytes: Uint8Array;
  at: number;
}

function next(reader: Reader): number {
  if (reader.at >= reader.bytes.length) throw new SyntaxError("the Smile document ends early");
  return reader.bytes[reader.at++];
}

function readValue(reader: Reader): SmileValue {
  const token = next(reader);
  if (token === START_ARRAY) {
    const values: SmileValue[] = [];
    while (reader.bytes[reader.at] !== END_ARRAY) values.push(readValue(reader));
    reader.at++;
    return values;
  }
  if (token >= 0xc0 && token <= 0xdf) return unzigzag(token - 0xc0);
  if (token === INT32) return unzigzag(readVInt(reader));
  if (token === FLOAT64) return readFloat64(reader);
  if (token === EMPTY_STRING) return "";
  if (token >= 0x40 && token <= 0x7f) return readAscii(reader, token - 0x3f);
  if (token === LONG_ASCII) {
    const end = reader.bytes.indexOf(END_OF_STRING, reader.at);
    if (end < 0) throw new SyntaxError("a long string has no end marker");
    return readAscii(reader, end - reader.at, 1);
  }
  throw new SyntaxError(`unexpected Smile token 0x${token.toString(16)} at byte ${reader.at - 1}`);
}

/** A variable-length unsigned integer: 7 bits per byte, the last byte (high bit set) carries 6. */
function readVInt(reader: Reader): number {
  let value = 0;
  for (;;) {
    const byte = next(reader);
    if (byte & 0x80) return value * 64 + (byte & 0x3f);
    value = value * 128 + byte;
  }
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** A 64-bit float as ten bytes of 7 bits each (the first carries the top bit). */
function readFloat64(reader: Reader): number {
  let bits = 0n;
  for (let i = 0; i < 10; i++) bits = (bits << 7n) | BigInt(next(reader) & 0x7f);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt.asUintN(64, bits));
  return view.getFloat64(0);
}

function readAscii(reader: Reader, length: number, skipAfter = 0): string {
  if (reader.at + length > reader.bytes.length) throw new SyntaxError("a string runs past the end");
  const text = String.fromCharCode(...reader.bytes.subarray(reader.at, reader.at + length));
  reader.at += length + skipAfter;
  return text;
}
