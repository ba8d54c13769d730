/**
 * Command-line arguments of the local agent stand-in (`cli.ts`).
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** How the agent stand-in listens and reports; see {@linkcode DEFAULT_AGENT_OPTIONS}. */
export interface AgentOptions {
  /** The UDP port on 127.0.0.1; default 1234 (0 picks a free one). */
  port: number;
  /** The address to bind the UDP socket to; default `127.0.0.1`. */
  host: string;
  /** A Unix datagram socket path to listen on as well, when given. */
  unix?: string;
  /** The publish interval in milliseconds; default 5000, as SpectatorD. */
  intervalMs: number;
  /** Stop after this many seconds, when given. */
  durationSeconds?: number;
  /** Stop after the first interval. */
  once: boolean;
  /** Print one JSON object per interval instead of a table. */
  json: boolean;
  /** Also print every datagram's lines as they arrive. */
  lines: boolean;
  /** Serve the live view, a page of charts, on 127.0.0.1 (see `src/cli/ui/`). */
  ui: boolean;
  /** The live view's TCP port on 127.0.0.1; default 1235 (0 picks a free one). */
  uiPort: number;
}

/** What the command line asks for: the agent's options, or the usage text. */
export interface CliOptions extends AgentOptions {
  /** Print the usage text and exit. */
  help: boolean;
}

/**
 * The agent's defaults: UDP on `127.0.0.1:1234` and a report every 5 seconds,
 * as SpectatorD.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { DEFAULT_AGENT_OPTIONS } from "./args.ts";
 *
 * strictEqual(DEFAULT_AGENT_OPTIONS.intervalMs, 5000);
 * ```
 */
export const DEFAULT_AGENT_OPTIONS: Readonly<AgentOptions> = Object.freeze({
  port: 1234,
  host: "127.0.0.1",
  intervalMs: 5000,
  once: false,
  json: false,
  lines: false,
  ui: false,
  uiPort: 1235,
});

/**
 * The usage text.
 *
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * import { USAGE } from "./args.ts";
 *
 * match(USAGE, /^Usage: /);
 * ```
 */
export const USAGE: string = `Usage: spectator-agent [options]
       deno run -A jsr:@spectator/client/cli [options]

A local stand-in for SpectatorD: listens for protocol lines, aggregates them
as the agent does before publishing to Atlas, and prints what it would publish
every interval, with the lines SpectatorD would reject and the ids Atlas would
reject.

Options:
  --port N         UDP port on 127.0.0.1 (default 1234; 0 picks a free one)
  --host ADDR      address to bind the UDP socket to (default 127.0.0.1)
  --unix PATH      also listen on a Unix datagram socket (Deno with --unstable-net
                   or --allow-ffi, or Bun; not Node)
  --interval MS    publish interval in milliseconds (default 5000)
  --duration S     stop after S seconds
  --once           stop after the first interval
  --json           print one JSON object per interval
  --lines          also print every datagram's lines as they arrive
  --ui             serve a live view (charts of every meter) on 127.0.0.1
  --ui-port N      the live view's port (default 1235; 0 picks a free one); implies --ui
  -h, --help       print this text
`;

/** The range of each numeric option: [least, most, whether it must be an integer]. */
const NUMBER_RANGES = {
  port: [0, 65535, true],
  intervalMs: [10, 86_400_000, false],
  durationSeconds: [0, 31_536_000, false],
  uiPort: [0, 65535, true],
} as const;

/** A command-line option: the agent option it sets, what it takes, and an option it turns on as well. */
interface CliOption {
  key: keyof AgentOptions;
  takes: "number" | "string" | "nothing";
  implies?: "ui";
}

/** Each command-line option by its name (`-h`, `--help` aside). */
const CLI_OPTIONS: Record<string, CliOption> = {
  port: { key: "port", takes: "number" },
  host: { key: "host", takes: "string" },
  unix: { key: "unix", takes: "string" },
  interval: { key: "intervalMs", takes: "number" },
  duration: { key: "durationSeconds", takes: "number" },
  once: { key: "once", takes: "nothing" },
  json: { key: "json", takes: "nothing" },
  lines: { key: "lines", takes: "nothing" },
  ui: { key: "ui", takes: "nothing" },
  "ui-port": { key: "uiPort", takes: "number", implies: "ui" },
};

/** The command-line spelling of each option, for messages. */
const FLAGS = Object.fromEntries(
  Object.entries(CLI_OPTIONS).map(([name, { key }]) => [key, `--${name}`]),
) as Record<keyof AgentOptions, string>;

/** The options as `parseArgs` takes them. */
const PARSE_OPTIONS: ParseArgsConfig["options"] = {
  ...Object.fromEntries(
    Object.entries(CLI_OPTIONS).map((
      [name, { takes }],
    ) => [name, { type: takes === "nothing" ? "boolean" : "string" }]),
  ),
  help: { type: "boolean", short: "h" },
};

/**
 * Completes options with {@linkcode DEFAULT_AGENT_OPTIONS} and checks them.
 *
 * @param options the options given, e.g. `{ port: 0 }`
 * @returns every option
 * @throws {RangeError} naming the option and the value when one is out of range or of the wrong type
 *
 * @example
 * ```ts
 * import { strictEqual, throws } from "node:assert/strict";
 * import { agentOptions } from "./args.ts";
 *
 * strictEqual(agentOptions({ port: 0 }).intervalMs, 5000);
 * throws(() => agentOptions({ port: 70000 }), {
 *   name: "RangeError",
 *   message: "--port (port) must be an integer from 0 to 65535: received 70000",
 * });
 * ```
 */
export function agentOptions(options: Partial<AgentOptions>): AgentOptions {
  const complete = { ...DEFAULT_AGENT_OPTIONS, ...options };
  for (const key of Object.keys(NUMBER_RANGES) as (keyof typeof NUMBER_RANGES)[]) {
    const value = complete[key];
    if (value === undefined) continue;
    const [min, max, integer] = NUMBER_RANGES[key];
    if (typeof value !== "number" || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new RangeError(
        `${FLAGS[key]} (${key}) must be ${integer ? "an integer" : "a number"} from ${min} to ${max}: ` +
          `received ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
      );
    }
  }
  for (const key of ["host", "unix"] as const) {
    const value = complete[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new RangeError(`${FLAGS[key]} (${key}) must be a non-empty string: received ${String(value)}`);
    }
  }
  for (const key of ["once", "json", "lines", "ui"] as const) {
    if (typeof complete[key] !== "boolean") {
      throw new RangeError(`${FLAGS[key]} (${key}) must be true or false: received ${String(complete[key])}`);
    }
  }
  return complete;
}

/**
 * Parses the command-line arguments with `parseArgs` from `node:util`.
 *
 * @param args the arguments, e.g. `process.argv.slice(2)`
 * @returns the options
 * @throws {RangeError} for an unknown option, a missing value or a value out of range
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { parseCliArgs } from "./args.ts";
 *
 * strictEqual(parseCliArgs(["--port", "0", "--json"]).port, 0);
 * strictEqual(parseCliArgs(["-h"]).help, true);
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliOptions {
  // Not strict: every token comes back, so each problem gets this command's own message.
  const { tokens } = parseArgs({
    args: [...args],
    options: PARSE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given: Partial<Record<keyof AgentOptions, unknown>> = {};
  let help = false;
  for (const token of tokens) {
    const name = token.kind === "option" ? token.name : "";
    if (name === "help") {
      help = true;
      continue;
    }
    const option = Object.hasOwn(CLI_OPTIONS, name) ? CLI_OPTIONS[name] : undefined;
    if (token.kind !== "option" || option === undefined) {
      throw new RangeError(`Cannot parse arguments: unknown option: received ${JSON.stringify(args[token.index])}`);
    }
    if (option.implies !== undefined) given[option.implies] = true;
    if (option.takes === "nothing") {
      given[option.key] = true;
    } else if (token.value === undefined) {
      throw new RangeError(`Cannot parse arguments: ${token.rawName} needs a value`);
    } else {
      given[option.key] = option.takes === "number" ? parseNumber(token.rawName, token.value) : token.value;
    }
  }
  try {
    return { ...agentOptions(given as Partial<AgentOptions>), help };
  } catch (error) {
    throw new RangeError(`Cannot parse arguments: ${(error as Error).message}`);
  }
}

function parseNumber(flag: string, text: string): number {
  const n = text.trim() === "" ? NaN : Number(text);
  if (Number.isNaN(n)) {
    throw new RangeError(`Cannot parse arguments: ${flag} must be a number: received ${JSON.stringify(text)}`);
  }
  return n;
}
