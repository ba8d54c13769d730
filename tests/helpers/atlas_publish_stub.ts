/**
 * A stand-in for the Atlas aggregator that SpectatorD publishes to: an HTTP
 * server on a free loopback port that answers every POST with 200 and keeps
 * each payload, ungzipped and decoded from Smile (see `smile.ts`) into the
 * measurements SpectatorD sent. A payload is one array: the number of
 * strings, the strings, then per measurement the number of tags, that many
 * key and value indexes into the strings (the name is the tag `name`), an
 * operation (0 add, 10 max) and the value.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { decodeSmile, type SmileValue } from "./smile.ts";
import { tick } from "./wait.ts";

/** One published measurement. */
export interface PublishedMeasurement {
  /** The tags, `name` and `statistic` included. */
  tags: Record<string, string>;
  /** 0: add (counters, counts, totals); 10: max (gauges, maxima). */
  op: number;
  value: number;
}

/** The stub. */
export interface PublishStub {
  /** The URI to give SpectatorD's `--uri`. */
  readonly uri: string;
  /** Every payload received so far, oldest first. */
  readonly payloads: PublishedMeasurement[][];
  /** Resolves once `count` payloads have arrived in all; rejects after `timeoutMs` (default 15000). */
  waitForPayloads(count: number, timeoutMs?: number): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Decodes one publish payload into its measurements.
 *
 * @param smile the Smile document SpectatorD posted, ungzipped
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePublishPayload } from "./atlas_publish_stub.ts";
 *
 * const smile = new Uint8Array([
 *   0x3a, 0x29, 0x0a, 0x00, 0xf8, // the header, then the array
 *   0xc4, 0x43, 0x6e, 0x61, 0x6d, 0x65, 0x40, 0x63, // 2 strings: "name", "c"
 *   0xc2, 0xc0, 0xc2, 0xc0, 0xc6, // 1 tag: strings 0 and 1; op 0; the value 3
 *   0xf9,
 * ]);
 * assert.deepEqual(decodePublishPayload(smile), [{ tags: { name: "c" }, op: 0, value: 3 }]);
 * ```
 */
export function decodePublishPayload(smile: Uint8Array): PublishedMeasurement[] {
  const items = decodeSmile(smile);
  if (!Array.isArray(items)) throw new SyntaxError("the payload is not an array");
  let at = 0;
  const take = (): SmileValue => {
    if (at >= items.length) throw new SyntaxError("the payload ends inside a measurement");
    return items[at++];
  };
  const integer = (): number => {
    const value = take();
    if (!Number.isInteger(value)) throw new SyntaxError(`expected an integer, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const strings: string[] = [];
  for (let count = integer(); count > 0; count--) strings.push(String(take()));
  const string = () => {
    const index = integer();
    if (index >= strings.length) throw new SyntaxError(`string index ${index} out of ${strings.length}`);
    return strings[index];
  };
  const measurements: PublishedMeasurement[] = [];
  while (at < items.length) {
    const tags: Record<string, string> = {};
    for (let count = integer(); count > 0; count--) {
      const key = string();
      tags[key] = string();
    }
    const op = integer();
    const value = take();
    if (typeof value !== "number") throw new SyntaxError(`expected a number, got ${JSON.stringify(value)}`);
    measurements.push({ tags, op, value });
  }
  return measurements;
}

/** Starts the stub on a free port on 127.0.0.1. */
export async function startPublishStub(): Promise<PublishStub> {
  const payloads: PublishedMeasurement[][] = [];
  const failures: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const body = Buffer.concat(chunks);
        const gzipped = request.headers["content-encoding"] === "gzip";
        payloads.push(decodePublishPayload(new Uint8Array(gzipped ? gunzipSync(body) : body)));
      } catch (error) {
        failures.push(String(error));
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/api/v4/update`,
    payloads,
    async waitForPayloads(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (payloads.length < count) {
        if (failures.length > 0) throw new Error(`a payload did not decode: ${failures.join("; ")}`);
        if (Date.now() > deadline) throw new Error(`${payloads.length} of ${count} payloads within ${timeoutMs} ms`);
        await tick(20);
      }
      if (failures.length > 0) throw new Error(`a payload did not decode: ${failures.join("; ")}`);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
