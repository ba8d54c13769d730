/**
 * What the tier expects to see in the real agent's `GET /metrics`, and how
 * it waits for it: the ids a client's meters become in SpectatorD (modelled
 * here independently of the library, from SpectatorD's documented rules),
 * and polling until the agent shows what the test computed.
 *
 * @module
 */

import type { AdminKind, AdminMeter, Spectatord } from "../../scripts/spectatord/agent.ts";
import { parseAdminValue } from "../../scripts/spectatord/agent.ts";
import { tick } from "../helpers/wait.ts";

/** A meter as the test expects it in `GET /metrics`: its kind, id and value. */
export interface ExpectedMeter {
  kind: AdminKind;
  name: string;
  tags: Record<string, string>;
  /** The value; NaN for `nan`. */
  value: number;
}

/** One code point outside `-._A-Za-z0-9~^` becomes one `_`, as the client writes it. */
function clientSanitize(text: string): string {
  let out = "";
  for (const char of text) out += /^[-._A-Za-z0-9~^]$/.test(char) ? char : "_";
  return out;
}

/** Orders strings by code point. */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * The id SpectatorD keeps for a meter made with `name` and `tags` (common tags already applied): the client writes
 * the tags sorted by raw key in code point order, each sanitized per code point; SpectatorD keeps the last value of a
 * key that repeats once sanitized.
 *
 * @param name the meter's name as given
 * @param tags the meter's tags as given, common tags included
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentId } from "./agent_view.ts";
 *
 * // "k\u{1F600}" sorts after "k\uFF5E" by code point, so its value is written last, and kept.
 * assert.deepEqual(agentId("a b", { "k\u{1F600}": "x", "k\uFF5E": "y" }), { name: "a_b", tags: { k_: "x" } });
 * ```
 */
export function agentId(name: string, tags: Record<string, string>): { name: string; tags: Record<string, string> } {
  const kept: Record<string, string> = {};
  for (const key of Object.keys(tags).sort(byCodePoint)) kept[clientSanitize(key)] = clientSanitize(tags[key]);
  return { name: clientSanitize(name), tags: kept };
}

/**
 * Whether a meter of `GET /metrics` has exactly this id.
 *
 * @param meter the meter shown
 * @param id the id expected, e.g. from {@linkcode agentId}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameId } from "./agent_view.ts";
 *
 * assert.ok(sameId({ name: "n", tags: { a: "1", b: "2" } }, { name: "n", tags: { b: "2", a: "1" } }));
 * ```
 */
export function sameId(
  meter: { name: string; tags: Record<string, string> },
  id: { name: string; tags: Record<string, string> },
): boolean {
  return meterKey("", meter.name, meter.tags) === meterKey("", id.name, id.tags);
}

/** A stable key for a meter in `GET /metrics`: its kind, name and sorted tags. */
function meterKey(kind: string, name: string, tags: Record<string, string>): string {
  return JSON.stringify([kind, name, Object.entries(tags).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)]);
}

/** The meters of `GET /metrics` that `select` picks, as ExpectedMeters sorted by key. */
export async function agentMeters(
  agent: Spectatord,
  select: (meter: AdminMeter) => boolean,
): Promise<ExpectedMeter[]> {
  const metrics = await agent.metrics();
  const found: ExpectedMeter[] = [];
  for (const [kind, meters] of Object.entries(metrics) as [AdminKind, AdminMeter[]][]) {
    if (!Array.isArray(meters)) continue; // "stats"
    for (const meter of meters) {
      if (select(meter)) found.push({ kind, name: meter.name, tags: meter.tags, value: parseAdminValue(meter.value) });
    }
  }
  return sortMeters(found);
}

/**
 * Meters sorted by kind, name and tags, each with its tags sorted, so that two lists compare equal when they hold
 * the same meters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortMeters } from "./agent_view.ts";
 *
 * const a = { kind: "counters", name: "a", tags: {}, value: 1 } as const;
 * const b = { kind: "counters", name: "b", tags: { y: "2", x: "1" }, value: 2 } as const;
 * assert.deepEqual(sortMeters([b, a]).map((m) => [m.name, Object.keys(m.tags)]), [["a", []], ["b", ["x", "y"]]]);
 * ```
 */
export function sortMeters(meters: ExpectedMeter[]): ExpectedMeter[] {
  const keyed = meters.map((m) => [meterKey(m.kind, m.name, m.tags), m] as const);
  return keyed.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, m]) => ({ ...m, tags: sortedTags(m.tags) }));
}

function sortedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

function sameMeters(a: ExpectedMeter[], b: ExpectedMeter[]): boolean {
  return a.length === b.length &&
    a.every((m, i) =>
      meterKey(m.kind, m.name, m.tags) === meterKey(b[i].kind, b[i].name, b[i].tags) &&
      (Object.is(m.value, b[i].value) || m.value === b[i].value)
    );
}

/**
 * Polls `GET /metrics` until the meters `select` picks are exactly `expected` (or `timeoutMs`, default 5000, passed),
 * and returns what the agent showed last, for the caller to compare.
 */
export async function settledMeters(
  agent: Spectatord,
  select: (meter: AdminMeter) => boolean,
  expected: ExpectedMeter[],
  timeoutMs = 5000,
): Promise<ExpectedMeter[]> {
  const wanted = sortMeters(expected);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await agentMeters(agent, select);
    if (sameMeters(shown, wanted) || Date.now() > deadline) return shown;
    await tick(20);
  }
}

/**
 * Polls the value of one meter until `done(value)` holds, or it has not changed for `quietMs` (default 1000), or
 * `timeoutMs` (default 10000) passed; returns the last value (undefined when the agent never had the meter).
 */
export async function settledValue(
  agent: Spectatord,
  kind: AdminKind,
  name: string,
  tags: Record<string, string>,
  done: (value: number | undefined) => boolean,
  { quietMs = 1000, timeoutMs = 10_000 } = {},
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = await agent.value(kind, name, tags);
  let changed = Date.now();
  while (!done(last) && Date.now() - changed < quietMs && Date.now() < deadline) {
    await tick(20);
    const value = await agent.value(kind, name, tags);
    if (value !== last) changed = Date.now();
    last = value;
  }
  return last;
}
