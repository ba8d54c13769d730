// Runs every example in examples/ in a child process on the runtime that runs
// this suite, so none of them can rot: each must exit 0 by itself and print
// (or send over UDP) what it promises. An example that needs another runtime
// is not registered here (demo and simple need Deno.serve, bun_serve needs
// Bun.serve); Node runs the transpiled copies in dist/examples/.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { type FixtureResult, runFixture } from "./helpers/run_fixture.ts";
import { listenUdp, type UdpListener } from "./helpers/udp_listener.ts";
import { platform, type RuntimeName } from "../src/_platform.ts";

const runtime = platform().runtime;
/** Whether this Deno runs with --unstable-net; its children then get the flag too. */
const unstableNet = typeof (globalThis as { Deno?: { listenDatagram?: unknown } }).Deno?.listenDatagram === "function";

/**
 * Runs `examples/<name>` with the Deno permissions its header documents.
 * runFixture resolves names relative to tests/fixtures/ (and to its .js twin
 * in dist/ under Node), so `../../examples/<name>` reaches the examples.
 */
function runExample(
  name: string,
  denoFlags: string[],
  env: Record<string, string | undefined> = {},
): Promise<FixtureResult> {
  return runFixture(`../../examples/${name}`, {
    denoFlags: [...(unstableNet ? ["--unstable-net"] : []), "--no-prompt", ...denoFlags],
    env: { ...CLEAN_SPECTATOR_ENV, NO_COLOR: "1", ...env },
    timeoutMs: 20_000,
  });
}

/** Registers `fn` as a test when this suite runs on one of `runtimes`. */
function exampleTest(name: string, runtimes: RuntimeName[], fn: () => Promise<void>): void {
  if (runtimes.includes(runtime)) test(name, { timeout: 30_000 }, fn);
}

/** Runs `fn` with a UDP listener that stands in for SpectatorD, closing it afterwards. */
async function withListener(fn: (listener: UdpListener) => Promise<void>): Promise<void> {
  const listener = await listenUdp();
  try {
    await fn(listener);
  } finally {
    await listener.close();
  }
}

function assertExitedCleanly(result: FixtureResult): void {
  assert.equal(result.code, 0, `exit code ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}

exampleTest("examples/demo.ts serves requests and shows what the agent stand-in receives and would publish", [
  "deno",
], async () => {
  const result = await runExample("demo", ["--allow-net", "--allow-env"]);
  assertExitedCleanly(result);
  const out = result.stdout;
  assert.match(result.stderr, /^agent: listening on udp:\/\/127\.0\.0\.1:\d+, publishing every 5000 ms$/m);
  assert.match(result.stderr, /^spectator\.registry: Atlas will drop MeterId\(name=server\.requestCount, .*title/m);
  assert.match(out, /registry closed: 24 lines sent in 8 datagrams, 0 dropped/);
  assert.equal(out.match(/^datagram of 3 lines, \d+ bytes:$/gm)?.length, 8, out);
  assert.match(out, /POST \/api\/v1\/play -> 405/);
  assert.match(out, /GET \/favicon\.ico -> 404/);
  for (
    const line of [
      "c:server.requestCount,country=us,nf.app=demo,status=200,title=Stranger_Things,version=v1:1",
      "c:server.requestCount,country=br,nf.app=demo,status=200,title=Narcos,version=v1:1",
      "c:server.requestCount,nf.app=demo,status=405,version=v1:1",
      "c:server.requestCount,nf.app=demo,status=404,version=v1:1",
      "d:server.responseSize,nf.app=demo:51",
    ]
  ) {
    assert.ok(out.includes(`  ${line}\n`), `missing ${line} in:\n${out}`);
  }
  const table = out.slice(out.indexOf("what SpectatorD would publish:"));
  assert.match(table, /interval [\d.]+ s {2}24 lines {2}8 meters/);
  assert.match(table, /^d {5}server\.responseSize,nf\.app=demo +8 +\d+ +\d+$/m);
  assert.match(table, /^t {5}server\.requestLatency,nf\.app=demo +8 +[\d.e-]+ +[\d.e-]+$/m);
  assert.match(table, /^c {5}server\.requestCount,nf\.app=demo,status=404,version=v1 +[\d.]+$/m);
  assert.match(
    table,
    /Ids Atlas would reject:\n {2}server\.requestCount,country=de,.*: tag value of title must be 1 to 120/,
  );
});

exampleTest("examples/simple.ts delivers its module-level meters at natural exit", ["deno"], async () => {
  await withListener(async (listener) => {
    const result = await runExample("simple", ["--allow-net", "--allow-env"], {
      SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${listener.port}`,
    });
    assertExitedCleanly(result);
    assert.match(result.stdout, /GET \/api\/v1\/play\?country=nl&title=Dark -> 200 requested play/);
    const lines = await listener.waitForLines(4);
    assert.deepEqual(lines.filter((line) => line.startsWith("c:")), [
      "c:server.requestCount,version=v1:1",
      "c:server.requestCount,version=v1:1",
    ]);
    assert.equal(lines.at(-1), "g:server.titlesSeen:2");
  });
});

/** The ports of the demo's app: each serves one play request and one other request to itself. */
const APP_PORTS: {
  example: string;
  runtimes: RuntimeName[];
  denoFlags: string[];
  /** Its `nf.app` tag. */
  app: string;
  /** What it prints for the other request. */
  printed: RegExp;
  /** The status of the other request. */
  otherStatus: string;
}[] = [
  {
    example: "bun_serve",
    runtimes: ["bun"],
    denoFlags: [],
    app: "bun-serve-example",
    printed: /POST \/api\/v1\/play -> 405 unsupported request method/,
    otherStatus: "405",
  },
  {
    example: "node_http",
    runtimes: ["deno", "bun", "node"],
    denoFlags: ["--allow-net", "--allow-env"],
    app: "node-http-example",
    printed: /GET \/nope -> 404/,
    otherStatus: "404",
  },
];

for (const { example, runtimes, denoFlags, app, printed, otherStatus } of APP_PORTS) {
  exampleTest(`examples/${example}.ts serves two requests and records them`, runtimes, async () => {
    await withListener(async (listener) => {
      const result = await runExample(example, denoFlags, {
        SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${listener.port}`,
      });
      assertExitedCleanly(result);
      assert.match(result.stdout, printed);
      const lines = await listener.waitForLines(6);
      const counters = lines.filter((line) => line.startsWith("c:"));
      assert.equal(counters.length, 2, lines.join("\n"));
      assert.match(
        counters[0],
        new RegExp(`^c:server\\.requestCount,country=\\w+,nf\\.app=${app},status=200,title=\\w+`),
      );
      assert.equal(counters[1], `c:server.requestCount,nf.app=${app},status=${otherStatus},version=v1:1`);
      assert.equal(lines.filter((line) => line.startsWith(`d:server.responseSize,nf.app=${app}:`)).length, 2);
      assert.equal(lines.filter((line) => line.startsWith(`t:server.requestLatency,nf.app=${app}:`)).length, 2);
    });
  });
}

exampleTest("examples/batch_job.ts delivers everything before process.exit()", ["deno", "bun", "node"], async () => {
  await withListener(async (listener) => {
    const result = await runExample("batch_job", ["--allow-net", "--allow-env"], {
      SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${listener.port}`,
    });
    assertExitedCleanly(result);
    assert.match(result.stdout, /processed 1000 records, rejected 145/);
    assert.match(result.stdout, /metrics: 21 lines sent in \d+ datagrams, 0 dropped/);
    const lines = await listener.waitForLines(21);
    assert.equal(lines.length, 21);
    assert.equal(lines.at(-1), "A:job.lastSuccess,nf.app=nightly-export:0");
    assert.ok(lines.includes("c:job.records,nf.app=nightly-export,result=rejected:43"), lines.join("\n"));
  });
});

exampleTest("examples/testing_with_memory_writer.ts passes its assertions", ["deno", "bun", "node"], async () => {
  const result = await runExample("testing_with_memory_writer", ["--allow-env"]);
  assertExitedCleanly(result);
  assert.match(result.stdout, /testing_with_memory_writer: all assertions passed/);
});

/** An `ipc.server.call` line without its value, as the IPC examples write it (`nf.app` sorts before `owner`). */
function ipcCallLine(method: string, httpStatus: number, endpoint: string, status: string, app: string): string {
  const result = status === "success" ? "success" : "failure";
  return `T:ipc.server.call,http.method=${method},http.status=${httpStatus},ipc.endpoint=${endpoint},` +
    `ipc.result=${result},ipc.status=${status},${app},owner=spectator`;
}

exampleTest(
  "examples/ipc_server.ts records ipc.server.call and ipc.server.inflight",
  ["deno", "bun", "node"],
  async () => {
    await withListener(async (listener) => {
      const result = await runExample("ipc_server", ["--allow-net", "--allow-env"], {
        SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${listener.port}`,
      });
      assertExitedCleanly(result);
      assert.match(result.stdout, /POST \/api\/v1\/play -> 405/);
      const lines = await listener.waitForLines(6);
      const app = "nf.app=ipc-example";
      assert.deepEqual(lines.map((line) => line.startsWith("T:") ? line.slice(0, line.lastIndexOf(":")) : line), [
        `d:ipc.server.inflight,${app},owner=spectator:1`,
        ipcCallLine("get", 200, "play", "success", app),
        `d:ipc.server.inflight,${app},owner=spectator:1`,
        ipcCallLine("post", 405, "play", "bad_request", app),
        `d:ipc.server.inflight,${app},owner=spectator:1`,
        ipcCallLine("get", 404, "unknown", "success", app),
      ]);
    });
  },
);

/** The framework examples: each records the IPC metrics and a request counter for three requests. */
const FRAMEWORK_EXAMPLES: { example: string; runtimes: RuntimeName[]; app: string }[] = [
  { example: "hono", runtimes: ["deno", "bun"], app: "hono-example" },
  { example: "express", runtimes: ["deno", "bun", "node"], app: "express-example" },
];

for (const { example, runtimes, app } of FRAMEWORK_EXAMPLES) {
  exampleTest(`examples/${example}.ts records the IPC metrics and a request counter`, runtimes, async () => {
    await withListener(async (listener) => {
      const result = await runExample(example, ["--allow-net", "--allow-env"], {
        SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${listener.port}`,
      });
      assertExitedCleanly(result);
      assert.match(result.stdout, /GET \/api\/v1\/play\?country=nl&title=Dark -> 200 requested play/);
      assert.match(result.stdout, /POST \/api\/v1\/play -> 405 unsupported request method/);
      assert.match(result.stdout, /GET \/nope -> 404/);
      const lines = await listener.waitForLines(9);
      const tags = `nf.app=${app}`;
      // Sorted: a counter's line is folded until the end of its turn, so where it lands depends on the framework.
      const received = lines.map((line) => line.startsWith("T:") ? line.slice(0, line.lastIndexOf(":")) : line);
      assert.deepEqual(
        received.sort(),
        [
          `d:ipc.server.inflight,${tags},owner=spectator:1`,
          `c:server.requestCount,${tags},status=200:1`,
          ipcCallLine("get", 200, "play", "success", tags),
          `d:ipc.server.inflight,${tags},owner=spectator:1`,
          `c:server.requestCount,${tags},status=405:1`,
          ipcCallLine("post", 405, "play", "bad_request", tags),
          `d:ipc.server.inflight,${tags},owner=spectator:1`,
          `c:server.requestCount,${tags},status=404:1`,
          ipcCallLine("get", 404, "unknown", "success", tags),
        ].sort(),
      );
    });
  });
}
