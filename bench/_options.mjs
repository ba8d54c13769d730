// Command-line options of the bench orchestrators (bench/run.mjs, bench/e2e.mjs).
import process from "node:process";

/** The value after `--name`, or undefined. */
export function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : undefined;
}

/** Whether `--name` was given. */
export function flag(name) {
  return process.argv.includes(`--${name}`);
}

/** The command line as run, for the report: `node bench/<script>` and its arguments. */
export function commandLine(script) {
  return `node bench/${script}${process.argv.slice(2).map((argument) => ` ${argument}`).join("")}`;
}
