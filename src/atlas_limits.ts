/**
 * The limits Atlas enforces on ids after SpectatorD has published them (the
 * publish validation rules of Atlas's default configuration). The client
 * still writes such ids (as spectator-py does) but warns, so users learn of
 * them before Atlas silently drops the data.
 *
 * @module
 */

/** Name plus user tags: keys with a reserved prefix do not count. */
const MAX_USER_TAGS = 20;

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
 * nothing. Atlas counts the name and every tag outside the reserved prefixes
 * `nf.` and `atlas.` against its limit of 20 user tags, and accepts only its
 * own keys under those prefixes (`nf.app`, `nf.cluster`, `nf.region`,
 * `atlas.dstype` and the like).
 *
 * @example
 * ```ts
 * import { atlasLimitProblems } from "@spectator/client";
 *
 * atlasLimitProblems("requests", { "nf.app": "checkout" }); // []
 * atlasLimitProblems("x", { "nf.color": "red" });
 * // ["name must be 2 to 255 characters: received 1", "tag key nf.color is not one of Atlas's keys under the reserved prefix nf."]
 * ```
 */
export function atlasLimitProblems(name: string, tags: Record<string, string>): string[] {
  const problems: string[] = [];
  if (name.length < 2 || name.length > 255) {
    problems.push(`name must be 2 to 255 characters: received ${name.length}`);
  }
  let userTags = 1;
  for (const key of Object.keys(tags)) {
    if (key.length < 2 || key.length > 60) problems.push(`tag key ${key} must be 2 to 60 characters`);
    const value = tags[key];
    if (value.length > 120) problems.push(`tag value of ${key} must be 1 to 120 characters: received ${value.length}`);
    const prefix = reservedPrefix(key);
    if (prefix === undefined) userTags++;
    else if (!ALLOWED_RESERVED_KEYS.get(prefix)!.has(key.slice(prefix.length))) {
      problems.push(`tag key ${key} is not one of Atlas's keys under the reserved prefix ${prefix}`);
    }
  }
  if (userTags > MAX_USER_TAGS) {
    problems.push(`at most ${MAX_USER_TAGS} user tags (the name included) are allowed: received ${userTags}`);
  }
  return problems;
}
