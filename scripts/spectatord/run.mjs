// Builds SpectatorD if needed (scripts/spectatord/build.mjs) and runs it in the foreground with the given arguments,
// plus --enable_insight_logs=false unless given (otherwise it sends its own logs to 127.0.0.1:1552). Its defaults:
// UDP and the admin HTTP server both on port 1234, the Unix socket at /run/spectatord/spectatord.unix (needs root; give
// --socket_path=/tmp/spectatord.unix otherwise), nothing published without --uri.
// Run with Node: node scripts/spectatord/run.mjs [spectatord flags]   (npm run spectatord -- [flags])
import { spawn } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import { buildSpectatord, SpectatordBuildError } from "./build.mjs";

const args = process.argv.slice(2);
if (!args.some((arg) => /^--(no)?enable_insight_logs\b/.test(arg))) args.push("--enable_insight_logs=false");
let binary;
try {
  ({ binary } = await buildSpectatord());
} catch (error) {
  if (!(error instanceof SpectatordBuildError)) throw error;
  console.error(error.message);
  process.exit(1);
}
console.error(`spectatord: running ${binary} ${args.join(" ")}`);
const child = spawn(binary, args, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
