// A program of an npm user, run by npm_package.check.mjs with Node and with Bun in a project that installed the packed
// package: it imports every entry point by package name and uses it.
//   node consumer.mjs <udp location> <runtime>
// Sends `c:npm.consumer,runtime=<runtime>:1` and `t:npm.consumer.latency,runtime=<runtime>:0.25` to the location,
// then prints one JSON object: the status an instrumented handler answered and the lines that it and the runtime
// metrics wrote to a memory registry.
import process from "node:process";
import { Config, Registry } from "@spectator/client";
import { instrumentHandler } from "@spectator/client/ipc";
import { startRuntimeMetrics } from "@spectator/client/runtime-metrics";

const [location, runtime] = process.argv.slice(2);
const registry = new Registry(new Config({ location }));
registry.counter("npm.consumer", { runtime }).increment();
registry.timer("npm.consumer.latency", { runtime }).record(0.25);
await registry.close();

const memory = new Registry(new Config({ location: "memory" }));
const handler = instrumentHandler(memory, () => new Response("ok"));
const response = await handler(new Request("http://localhost/hello"));
const metrics = startRuntimeMetrics(memory, { intervalMs: 10 });
// The sampling timer does not keep the process alive; this one lets it fire a few times.
await new Promise((resolve) => setTimeout(resolve, 50));
metrics.stop();
console.log(JSON.stringify({ status: response.status, lines: memory.writer().get() }));
await memory.close();
