/**
 * Command-line arguments of the local agent stand-in (`cli.ts`).
 *
 * @module
 */

/** What the command line asks for. */
export interface CliOptions {
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
  /** Print the usage text and exit. */
  help: boolean;
}

/**
 * The usage text.
 *
 * @example
 * ```ts ignore
 * console.log(USAGE);
 * ```
 */
export const USAGE: string = `Usage: cli.ts [options]

A local stand-in for SpectatorD: listens for protocol lines, aggregates them
as the agent does before publishing to Atlas, and prints what it would publish
every interval, with the lines SpectatorD would reject and the ids Atlas would
reject.

Options:
  --port N         UDP port on 127.0.0.1 (default 1234; 0 picks a free one)
  --host ADDR      address to bind the UDP socket to (default 127.0.0.1)
  --unix PATH      also listen on a Unix datagram socket (Deno with --unstable-net)
  --interval MS    publish interval in milliseconds (default 5000)
  --duration S     stop after S seconds
  --once           stop after the first interval
  --json           print one JSON object per interval
  -h, --help       print this text
`;

/**
 * Parses the command-line arguments.
 *
 * @param args the arguments, e.g. `process.argv.slice(2)`
 * @returns the options
 * @throws {RangeError} for an unknown option or a value out of range
 *
 * @example
 * ```ts ignore
 * parseCliArgs(["--port", "0", "--json"]).port; // 0
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliOptions {
  const options: CliOptions = {
    port: 1234,
    host: "127.0.0.1",
    intervalMs: 5000,
    once: false,
    json: false,
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const equals = arg.indexOf("=");
    if (arg.startsWith("--") && equals > 0) {
      inline = arg.slice(equals + 1);
      arg = arg.slice(0, equals);
    }
    const value = (): string => {
      const text = inline ?? args[++i];
      if (text === undefined) throw new RangeError(`Cannot parse arguments: ${arg} needs a value`);
      return text;
    };
    const number = (min: number, max: number): number => {
      const text = value();
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
        throw new RangeError(
          `Cannot parse arguments: ${arg} must be a number from ${min} to ${max}: received ${JSON.stringify(text)}`,
        );
      }
      return n;
    };
    switch (arg) {
      case "--port": {
        const port = number(0, 65535);
        if (!Number.isInteger(port)) {
          throw new RangeError(`Cannot parse arguments: --port must be an integer: received ${port}`);
        }
        options.port = port;
        break;
      }
      case "--host":
        options.host = value();
        break;
      case "--unix":
        options.unix = value();
        break;
      case "--interval":
        options.intervalMs = number(10, 86_400_000);
        break;
      case "--duration":
        options.durationSeconds = number(0, 31_536_000);
        break;
      case "--once":
        options.once = true;
        break;
      case "--json":
        options.json = true;
        break;
      case "-h":
      case "--help":
        options.help = true;
        break;
      default:
        throw new RangeError(`Cannot parse arguments: unknown option: received ${JSON.stringify(args[i])}`);
    }
  }
  return options;
}
