/**
 * The runtime's floor under the hot counter: the least work one update can do
 * in @spectator/client's design, measured alone, so the report can tell what
 * the runtime costs from what the library adds. `node bench/run.mjs` runs it
 * on every runtime; it also runs alone:
 *
 * ```sh
 * deno run bench/floor_bench.ts
 * bun bench/floor_bench.ts
 * node scripts/build_node.mjs && node dist/bench/floor_bench.js
 * ```
 *
 * The cases, each on the hot counter's line prefix
 * (`c:server.requestCount,method=GET,status=200:`, 44 bytes) and a
 * datagram-sized buffer that the position cycles through:
 * - `set`: `TypedArray.prototype.set` of the prefix's bytes alone;
 * - `line`: a newline byte, the prefix's `set` and one value digit: the
 *   smallest line append the writer can make;
 * - `loop`: the same line with the prefix copied byte by byte in a loop, the
 *   alternative to `set`;
 * - `meter`: the same line made the way the library is shaped, a meter
 *   object's `increment(delta)` calling a writer object's method that keeps
 *   its buffer and counts in `#private` fields and checks the pending bound:
 *   the floor of that shape on this runtime (a sketch, not the library's code),
 *   when every update writes a line;
 * - `add`: a folded update the way the library is shaped, a meter object's
 *   `increment(delta)` adding the delta into its id's slot: the floor of an
 *   update when updates of one id fold.
 *
 * The whole floor of a folded hot counter, with its event-loop turns and
 * sends, is measured beside the library in the UDP benchmark
 * (bench/_client_floor.ts), where the machine's cost of a send per turn is
 * the same for both.
 *
 * Options: `--ops N` updates per round (1000000), `--rounds R` (7, after one
 * warm-up). It prints one JSON object: ns/op (median over the rounds) per case.
 *
 * @module
 */

import process from "node:process";
import { integerArgument } from "./_args.ts";
import { COUNTER_NAME, METER_TAGS } from "./_bench_client.ts";
import { runtime, runtimeVersion } from "./_runtime.ts";
import { median } from "./_utils.ts";

const ops = integerArgument("floor_bench", "ops", 1_000_000, 1000, 100_000_000);
const rounds = integerArgument("floor_bench", "rounds", 7, 1, 1000);

/** The default datagram size of the writer. */
const BUFFER_BYTES = 61_440;
const NEWLINE = 0x0a;
const DIGIT_ONE = 0x31;

const tags = Object.keys(METER_TAGS).sort().map((key) => `,${key}=${METER_TAGS[key]}`).join("");
const prefix = new TextEncoder().encode(`c:${COUNTER_NAME}${tags}:`);
const buffer = new Uint8Array(BUFFER_BYTES);
/** The last position where a whole line still fits. */
const lastStart = BUFFER_BYTES - prefix.length - 2;
let position = 0;

/** The least a writer of the library's shape does per line: bound checks, the append, the counts. */
class SketchWriter {
  #buffer = new Uint8Array(BUFFER_BYTES);
  #length = 0;
  #lines = 0;
  #pendingBytes = 0;
  #maxPendingBytes = 4 * 1024 * 1024;

  append(bytes: Uint8Array, digit: number): void {
    const most = bytes.length + 2;
    if (this.#pendingBytes + most > this.#maxPendingBytes) this.#pendingBytes = 0;
    if (this.#length + most > BUFFER_BYTES) this.#length = 0;
    const buffer = this.#buffer;
    let at = this.#length;
    if (at > 0) buffer[at++] = NEWLINE;
    buffer.set(bytes, at);
    at += bytes.length;
    buffer[at++] = digit;
    this.#pendingBytes += at - this.#length;
    this.#length = at;
    this.#lines++;
  }

  /** The bytes written so far, for the checksum. */
  sum(): number {
    return this.#buffer.reduce((sum, byte) => sum + byte, 0) + this.#lines;
  }
}

/** A meter of the library's shape: its prefix made once, a check of the delta, one call into the writer. */
class SketchCounter {
  readonly #prefix: Uint8Array;
  readonly #writer: SketchWriter;

  constructor(prefix: Uint8Array, writer: SketchWriter) {
    this.#prefix = prefix;
    this.#writer = writer;
  }

  increment(delta = 1): void {
    if (delta > 0 && delta < 10) this.#writer.append(this.#prefix, 0x30 + delta);
  }
}

/** A folded counter of the library's shape: its id's slot, and an addition per update. */
class SketchFoldingCounter {
  readonly #slot = { value: 0, updates: 0 };

  increment(delta = 1): void {
    if (delta > 0 && delta !== Infinity) {
      this.#slot.value += delta;
      this.#slot.updates++;
    }
  }

  /** The sum so far, for the checksum. */
  sum(): number {
    return this.#slot.value + this.#slot.updates;
  }
}

const sketchWriter = new SketchWriter();
const sketchCounter = new SketchCounter(prefix, sketchWriter);
const foldingCounter = new SketchFoldingCounter();

const cases: Record<string, (n: number) => void> = {
  set: (n) => {
    for (let k = 0; k < n; k++) {
      buffer.set(prefix, position);
      position += prefix.length;
      if (position > lastStart) position = 0;
    }
  },
  line: (n) => {
    for (let k = 0; k < n; k++) {
      buffer[position++] = NEWLINE;
      buffer.set(prefix, position);
      position += prefix.length;
      buffer[position++] = DIGIT_ONE;
      if (position > lastStart) position = 0;
    }
  },
  loop: (n) => {
    const length = prefix.length;
    for (let k = 0; k < n; k++) {
      buffer[position++] = NEWLINE;
      for (let i = 0; i < length; i++) buffer[position + i] = prefix[i];
      position += length;
      buffer[position++] = DIGIT_ONE;
      if (position > lastStart) position = 0;
    }
  },
  meter: (n) => {
    for (let k = 0; k < n; k++) sketchCounter.increment();
  },
  add: (n) => {
    for (let k = 0; k < n; k++) foldingCounter.increment();
  },
};

/** ns/op of `run`: the median of `rounds` rounds of `ops` calls, after one warm-up round. */
function measure(run: (n: number) => void): number {
  const perRound: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    const start = performance.now();
    run(ops);
    if (round > 0) perRound.push(((performance.now() - start) * 1e6) / ops);
  }
  return median(perRound);
}

const nsPerOp: Record<string, number> = Object.fromEntries(
  Object.entries(cases).map(([name, run]) => [name, measure(run)]),
);
// Read the buffer so no runtime can treat the copies as dead.
const checksum = buffer.reduce((sum, byte) => sum + byte, 0) + sketchWriter.sum() + foldingCounter.sum();
process.stdout.write(
  `${JSON.stringify({ runtime, runtimeVersion, prefixBytes: prefix.length, ops, rounds, nsPerOp, checksum })}\n`,
);
