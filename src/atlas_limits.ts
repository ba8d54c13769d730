/**
 * The limits Atlas enforces on ids after SpectatorD has published them. The
 * client still writes such ids (as spectator-py does) but warns, so users
 * learn of them before Atlas silently drops the data.
 *
 * @module
 */

const MAX_USER_TAGS = 20;
const RESERVED_PREFIXES = ["nf.", "atlas."];

/**
 * Lists what Atlas would reject about a name and its user tags; empty when
 * nothing.
 *
 * @example
 * ```ts
 * import { atlasLimitProblems } from "@spectator/client";
 *
 * atlasLimitProblems("x", { "nf.app": "a" });
 * // ["name must be 2 to 255 characters: received 1", "tag key nf.app uses the reserved prefix nf."]
 * ```
 */
export function atlasLimitProblems(name: string, tags: Record<string, string>): string[] {
  const problems: string[] = [];
  if (name.length < 2 || name.length > 255) {
    problems.push(`name must be 2 to 255 characters: received ${name.length}`);
  }
  const keys = Object.keys(tags);
  if (keys.length > MAX_USER_TAGS) {
    problems.push(`at most ${MAX_USER_TAGS} user tags are allowed: received ${keys.length}`);
  }
  for (const key of keys) {
    if (key.length < 2 || key.length > 60) problems.push(`tag key ${key} must be 2 to 60 characters`);
    const value = tags[key];
    if (value.length > 120) problems.push(`tag value of ${key} must be 1 to 120 characters: received ${value.length}`);
    const prefix = RESERVED_PREFIXES.find((p) => key.startsWith(p));
    if (prefix !== undefined) problems.push(`tag key ${key} uses the reserved prefix ${prefix}`);
  }
  return problems;
}
