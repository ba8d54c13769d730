/**
 * The limits Atlas enforces on ids after SpectatorD has published them (the
 * publish validation rules of Atlas's default configuration). The client
 * still writes such ids (as spectator-py does) but warns, so users learn of
 * them before Atlas silently drops the data.
 *
 * @module
 */

import { capText } from "./meter_id.ts";

/** Name plus user tags: keys with a reserved prefix do not count. */
const MAX_USER_TAGS = 20;

/** Options for {@linkcode atlasLimitProblems}. */
export interface AtlasLimitOptions {
  /**
   * Whether the meter publishes percentiles (percentile timers and
   * distribution summaries): SpectatorD then adds a `percentile` tag too.
   */
  percentiles?: boolean;
}

/** Keys under a reserved prefix that Atlas accepts; any other key with the prefix is rejected. */
const ALLOWED_RESERVED_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["atlas.", new Set(["aggr", "dstype", "offset", "legacy"])],
  [
    "nf.",
    new Set([
      "account",
      "ami",
      "app",
      "asg",
      "cluster",
      "container",
      "country",
      "country.rollup",
      "job",
      "node",
      "process",
      "region",
      "shard1",
      "shard2",
      "stack",
      "subnet",
      "task",
      "vmtype",
      "vpc",
      "zone",
    ]),
  ],
]);

function reservedPrefix(key: string): string | undefined {
  for (const prefix of ALLOWED_RESERVED_KEYS.keys()) if (key.startsWith(prefix)) return prefix;
  return undefined;
}

/**
 * Lists what Atlas would reject about a name and its tags; empty when
 * nothing. Atlas allows 20 user tags, counting the name, the `statistic` tag
 * SpectatorD adds to every measurement, the `percentile` tag it adds to
 * percentile meters, and every tag outside the reserved prefixes `nf.` and
 * `atlas.`; under those prefixes it accepts only its own keys (`nf.app`,
 * `nf.cluster`, `nf.region`, `atlas.dstype` and the like).
 *
 * @param name the meter's name
 * @param tags all of its tags, common tags included
 * @param options whether the meter publishes percentiles
 * @returns what Atlas would reject, one sentence each
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { atlasLimitProblems } from "@spectator/client";
 *
 * deepStrictEqual(atlasLimitProblems("requests", { "nf.app": "checkout" }), []);
 * deepStrictEqual(atlasLimitProblems("x", { "nf.color": "red" }), [
 *   "name must be 2 to 255 characters: received 1",
 *   "tag key nf.color is not one of Atlas's keys under the reserved prefix nf.",
 * ]);
 * ```
 */
export function atlasLimitProblems(
  name: string,
  tags: Record<string, string>,
  options: AtlasLimitOptions = {},
): string[] {
  const problems: string[] = [];
  if (name.length < 2 || name.length > 255) {
    problems.push(`name must be 2 to 255 characters: received ${name.length}`);
  }
  const userKeys = new Set(["name", "statistic", ...(options.percentiles ? ["percentile"] : [])]);
  for (const key of Object.keys(tags)) {
    if (key.length < 2 || key.length > 60) problems.push(`tag key ${capText(key)} must be 2 to 60 characters`);
    const value = tags[key];
    if (value.length > 120) {
      problems.push(`tag value of ${capText(key)} must be 1 to 120 characters: received ${value.length}`);
    }
    const prefix = reservedPrefix(key);
    if (prefix === undefined) userKeys.add(key);
    else if (!ALLOWED_RESERVED_KEYS.get(prefix)!.has(key.slice(prefix.length))) {
      problems.push(`tag key ${capText(key)} is not one of Atlas's keys under the reserved prefix ${prefix}`);
    }
  }
  if (userKeys.size > MAX_USER_TAGS) {
    problems.push(
      `at most ${MAX_USER_TAGS} user tags are allowed, counting the name and the tags SpectatorD adds ` +
        `(${options.percentiles ? "statistic, percentile" : "statistic"}): received ${userKeys.size}`,
    );
  }
  return problems;
}
