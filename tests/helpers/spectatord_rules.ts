/**
 * SpectatorD's rules for one protocol line, for tests. The rules live in
 * `src/cli/spectatord_rules.ts`, where the local agent stand-in CLI uses them
 * at run time; this module re-exports them under their old test-helper path.
 *
 * @module
 */

export { isStrtodNumber, isUint64, SPECTATORD_SYMBOLS, spectatordProblem } from "../../src/cli/spectatord_rules.ts";
