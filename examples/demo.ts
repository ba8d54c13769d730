/**
 * The demo: a small HTTP app on `Deno.serve` that records request metrics,
 * with a UDP listener standing in for SpectatorD so you can see every line
 * the library sends.
 *
 * The app follows spectator-py's "complex" Flask example: a request counter
 * tagged with country, title and status, a latency timer fed by a StopWatch,
 * and a distribution summary of response sizes. The demo sends a few
 * requests to itself, closes the registry, prints what the listener got and
 * exits.
 *
 * Run: npm run demo (or: deno run --allow-net --allow-env examples/demo.ts)
 *
 * @module
 */

import { Config, getMeterClass, type LineWriter, parseProtocolLine, Registry, StopWatch } from "../mod.ts";
import { answer } from "./_play_app.ts";
import { startUdpListener } from "./_udp_listener.ts";

// 1. The stand-in for SpectatorD, and a registry that sends to it. In
// production you would write `new Registry()`: UDP to 127.0.0.1:1234.
const listener = await startUdpListener();
const config = new Config({ location: listener.location, extraCommonTags: { "nf.app": "demo" } });
if (config.location !== listener.location) {
  console.error(`SPECTATOR_OUTPUT_LOCATION=${config.location} overrides the demo's location: unset it to run the demo`);
  Deno.exit(1);
}
const registry = new Registry(config);

// 2. Meters that never change are made once; the request counter is made per
// request because its tags depend on the request.
const requestLatency = registry.timer("server.requestLatency");
const responseSize = registry.distributionSummary("server.responseSize");

function handle(request: Request): Response {
  // Records the time spent in this function when it returns (`using`).
  using _ = new StopWatch(requestLatency);
  // What to answer (see _play_app.ts), and a play's country and title as tags. They come from the
  // request, as in spectator-py's example; a real service should bound them (every distinct value
  // is a new time series).
  const { status, body, tags } = answer(request.method, new URL(request.url));
  registry.counter("server.requestCount", { version: "v1", ...tags, status: String(status) }).increment();
  const bytes = new TextEncoder().encode(body);
  responseSize.record(bytes.length);
  return new Response(bytes, { status });
}

// 3. The app, on an ephemeral port.
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
const base = `http://127.0.0.1:${server.addr.port}`;
console.log(`SpectatorD stand-in: ${listener.location}\napp: ${base}\n`);

// 4. A few requests: some plays, a POST (405) and unknown paths (404).
const requests: [method: string, path: string][] = [
  ["GET", "/api/v1/play?country=us&title=Stranger%20Things"],
  ["GET", "/api/v1/play?country=br&title=Narcos"],
  ["GET", "/api/v1/play?country=us&title=Stranger%20Things"],
  ["GET", "/api/v1/play"],
  ["POST", "/api/v1/play"],
  ["GET", "/api/v2/play?country=fr"],
  ["GET", "/favicon.ico"],
];
for (const [method, path] of requests) {
  const response = await fetch(base + path, { method });
  console.log(`${method.padEnd(4)} ${path} -> ${response.status} ${await response.text()}`);
}

// 5. close() delivers everything written so far, then releases the socket.
await registry.close();
await server.shutdown();
const stats = (registry.writer() as LineWriter).stats();
console.log(
  `\nregistry closed: ${stats.sentLines} lines sent in ${stats.sentDatagrams} datagrams, ${stats.droppedLines} dropped`,
);

// 6. What SpectatorD would have received. Each request's lines were written
// in one event-loop turn, so they travel together in one datagram.
await listener.waitForLines(stats.sentLines);
await listener.close();
console.log(`\nthe listener received ${listener.datagrams.length} datagrams:`);
listener.datagrams.forEach((datagram, index) => {
  const lines = datagram.split("\n");
  console.log(`datagram ${index + 1} (${lines.length} lines, ${new TextEncoder().encode(datagram).length} bytes)`);
  for (const line of lines) {
    const [symbol] = parseProtocolLine(line);
    console.log(`  ${(getMeterClass(symbol)?.name ?? "?").padEnd(19)} ${line}`);
  }
});
