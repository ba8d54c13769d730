/**
 * Reading protocol lines back: for tests that assert on what a writer got.
 *
 * @module
 */

import { describeValue, MeterId } from "./meter_id.ts";

/**
 * Splits a protocol line into its symbol (without options such as a gauge
 * TTL), its id and its value text.
 *
 * @param line one protocol line, e.g. `c:server.requestCount,status=200:1`
 * @returns `[symbol, id, value]`
 * @throws {SyntaxError} when the line does not have three `:`-separated parts,
 *   an empty symbol or name, or a tag that is not `key=value`
 *
 * @example Check what a meter wrote
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { parseProtocolLine } from "@spectator/client";
 *
 * const [symbol, id, value] = parseProtocolLine("g,120:queue.size,queue=jobs:42");
 * deepStrictEqual([symbol, id.name(), id.tags(), value], ["g", "queue.size", { queue: "jobs" }, "42"]);
 * ```
 */
export function parseProtocolLine(line: string): [symbol: string, id: MeterId, value: string] {
  const malformed = (why: string) =>
    new SyntaxError(`Cannot parse protocol line: ${why}: received ${describeValue(String(line))}`);
  if (typeof line !== "string") throw malformed("a line must be a string");
  const parts = line.split(":");
  if (parts.length !== 3) throw malformed(`expected <symbol>:<id>:<value>, found ${parts.length} parts`);
  const [options, idText, value] = parts;
  const symbol = options.split(",")[0];
  if (symbol === "") throw malformed("the symbol is empty");
  const [name, ...tagTexts] = idText.split(",");
  if (name === "") throw malformed("the name is empty");
  // No prototype: a tag named __proto__ is a tag like any other (an assignment would set an object's prototype).
  const tags: Record<string, string> = Object.create(null);
  for (const tag of tagTexts) {
    const pair = tag.split("=");
    if (pair.length !== 2 || pair[0] === "" || pair[1] === "") {
      throw malformed(`tag ${describeValue(tag)} is not key=value`);
    }
    tags[pair[0]] = pair[1];
  }
  return [symbol, new MeterId(name, tags), value];
}
