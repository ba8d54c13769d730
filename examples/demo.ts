/**
 * The demo: a small HTTP app on `Deno.serve` that records request metrics,
 * sending them to the library's local SpectatorD stand-in (`cli.ts`), which
 * prints every datagram it receives and, at the end, the table of what
 * SpectatorD would publish to Atlas.
 *
 * The app follows spectator-py's "complex" Flask example: a request counter
 * tagged with country, title and status, a latency timer fed by a StopWatch,
 * and a distribution summary of response sizes. The demo sends a few
 * requests to itself (one with a title too long for Atlas), closes the
 * registry, stops the stand-in and exits.
 *
 * With `--ui`, the stand-in also serves its live view (charts of every
 * meter, on 127.0.0.1) and publishes every second, and the demo goes on
 * sending requests to itself until Ctrl-C, so the charts move.
 *
 * Run: npm run demo (or: deno run --allow-net --allow-env examples/demo.ts)
 * With the live view: npm run demo -- --ui
 *
 * With a location instead, e.g. `npm run demo -- udp://127.0.0.1:1234` while
 * the real SpectatorD runs (`npm run spectatord`), the demo sends to that agent
 * and starts no stand-in; SpectatorD's admin endpoint shows what it aggregated
 * (`GET /metrics`, on port 1234 by default).
 *
 * @module
 */

import { startAgent } from "../cli.ts";
import { Config, type LineWriter, Registry, StopWatch } from "../mod.ts";
import { answer, DEMO_REQUESTS, requestSelf } from "./_play_app.ts";

// 1. The stand-in for SpectatorD, on a free UDP port, printing each datagram
// as it arrives (with --ui: serving its live view on a free port instead); or
// the SpectatorD at the location given. In production SpectatorD listens on
// 127.0.0.1:1234, where `new Registry()` sends.
const liveView = Deno.args.includes("--ui");
const spectatord = Deno.args.find((arg) => !arg.startsWith("--"));
if (liveView && spectatord !== undefined) {
  console.error(`--ui shows the stand-in's live view: give it no SpectatorD location (received ${spectatord})`);
  Deno.exit(2);
}
const agent = spectatord !== undefined
  ? undefined
  : await startAgent(liveView ? { port: 0, ui: true, uiPort: 0, intervalMs: 1000 } : { port: 0, lines: true });
const location = spectatord ?? agent!.locations[0];
const config = new Config({ location, extraCommonTags: { "nf.app": "demo" } });
if (config.location !== location) {
  console.error(`SPECTATOR_OUTPUT_LOCATION=${config.location} overrides the demo's location: unset it to run the demo`);
  await agent?.stop();
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
  // is a new time series, and Atlas drops values over 120 characters).
  const { status, body, tags } = answer(request.method, new URL(request.url));
  registry.counter("server.requestCount", { version: "v1", ...tags, status: String(status) }).increment();
  const bytes = new TextEncoder().encode(body);
  responseSize.record(bytes.length);
  return new Response(bytes, { status });
}

// 3. The app, on an ephemeral port.
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
console.log(`SpectatorD${agent ? " stand-in" : ""}: ${location}\napp: http://127.0.0.1:${server.addr.port}\n`);

// 4. A few requests: some plays, a POST (405), unknown paths (404), and a
// title Atlas would reject (the client warns; the stand-in lists it).
const base = `http://127.0.0.1:${server.addr.port}`;
await requestSelf(base, DEMO_REQUESTS);

// With --ui: the same requests, picked at random at a rate that rises and
// falls, until Ctrl-C.
if (liveView) {
  console.log(`\nlive view: ${agent!.uiUrl} (open it in a browser; Ctrl-C stops the demo)`);
  let interrupted = false;
  const interrupt = () => interrupted = true;
  Deno.addSignalListener("SIGINT", interrupt);
  while (!interrupted) {
    const [method, path] = DEMO_REQUESTS[Math.floor(Math.random() * DEMO_REQUESTS.length)];
    await (await fetch(base + path, { method })).body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 40 + 80 * (1 + Math.sin(Date.now() / 8000))));
  }
  Deno.removeSignalListener("SIGINT", interrupt);
}

// 5. close() delivers everything written so far, then releases the socket.
await registry.close();
await server.shutdown();
const stats = (registry.writer() as LineWriter).stats();
console.log(
  `\nregistry closed: ${stats.sentLines} lines sent in ${stats.sentDatagrams} datagrams, ${stats.droppedLines} dropped`,
);

// 6. Datagrams travel asynchronously: once all have arrived, stopping the
// stand-in prints what SpectatorD would publish for this (short) interval.
if (agent === undefined) {
  console.log(`\nSpectatorD at ${location} has them: see GET /metrics on its admin port (1234 by default)`);
} else {
  await agent.waitForLines(stats.sentLines);
  console.log("\nwhat SpectatorD would publish:");
  await agent.stop();
}
