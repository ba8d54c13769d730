// Checks the npm package as an npm user gets it: builds it with scripts/build_npm_package.mjs, packs it with
// `npm pack`, installs the tarball offline into a fresh project in a temporary directory, and then uses it from that
// project: a Node program and a Bun program that import it by name and send metrics over real loopback UDP, the
// `spectator-agent` bin, and a TypeScript program checked against the installed declarations.
// Not named *_test.* so that `deno test tests/` and `bun test ./tests/` leave it alone; run it with Node:
//   node --test tests/npm_package/npm_package.check.mjs   (or: node scripts/run_tests.mjs npm)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitUntil } from "../helpers/wait_until.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const bun = join(root, "node_modules/.bin/bun");
const tsc = join(root, "node_modules/.bin/tsc");
/** The TypeScript compilers a consumer may use: 7 (the project's own) and 5 (the typescript5 alias). */
const compilers = { "TypeScript 7": tsc, "TypeScript 5": join(root, "node_modules/typescript5/bin/tsc") };
// The npm_* variables of an enclosing `npm run` (prefix, cache, ...) must not steer the consumer's npm.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

const temp = mkdtempSync(join(tmpdir(), "spectator-npm-package-"));
const project = join(temp, "consumer");
const installed = join(project, "node_modules", denoJson.name);
const agentBin = join(project, "node_modules/.bin/spectator-agent");
/** What `npm pack --json` says of the tarball: its file name and files. */
let packed;

before(async () => {
  await succeed(process.execPath, [join(root, "scripts/build_npm_package.mjs")], { cwd: root });
  const pack = await succeed("npm", ["pack", "--json", "--pack-destination", temp, join(root, "dist-npm")], {
    cwd: temp,
  });
  [packed] = JSON.parse(pack.stdout);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await succeed("npm", [
    "install",
    "--offline",
    "--no-audit",
    "--no-fund",
    "--cache",
    join(temp, "npm-cache"),
    join(temp, packed.filename),
  ], { cwd: project });
  copyFileSync(fileURLToPath(new URL("consumer.mjs", import.meta.url)), join(project, "consumer.mjs"));
});

after(() => rmSync(temp, { recursive: true, force: true }));

test("the tarball holds JavaScript and declarations for every entry point and source file, and nothing else", () => {
  const modules = [
    ...Object.values(denoJson.exports).map((path) => path.replace(/^\.\//, "")),
    ...readdirSync(join(root, "src"), { recursive: true }).filter((path) => path.endsWith(".ts")).map((path) =>
      join("src", path)
    ),
  ].map((path) => path.replace(/\.ts$/, ""));
  const expected = [
    ...modules.flatMap((module) => [`${module}.js`, `${module}.d.ts`]),
    "LICENSE",
    "README.md",
    "package.json",
  ];
  const files = packed.files.map((file) => file.path);
  assert.deepEqual([...files].sort(), expected.sort());
  assert.ok(!files.some((path) => /^(tests|examples|bench)\//.test(path)), files.join("\n"));
  assert.equal(packed.files.find((file) => file.path === "cli.js").mode & 0o111, 0o111, "cli.js is executable");
});

test("the installed package.json names the package, its entry points, the bin and no dependencies", () => {
  const packageJson = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  assert.equal(packageJson.name, "@spectator/client");
  assert.equal(packageJson.version, denoJson.version);
  assert.equal(packageJson.license, denoJson.license);
  assert.equal(packageJson.type, "module");
  assert.match(packageJson.description, /Atlas/);
  assert.deepEqual(packageJson.exports, {
    ".": { types: "./mod.d.ts", default: "./mod.js" },
    "./cli": { types: "./cli.d.ts", default: "./cli.js" },
    "./runtime-metrics": { types: "./runtime_metrics.d.ts", default: "./runtime_metrics.js" },
    "./ipc": { types: "./ipc.d.ts", default: "./ipc.js" },
  });
  assert.deepEqual(packageJson.bin, { "spectator-agent": "./cli.js" });
  assert.deepEqual(packageJson.engines, { node: ">=20" });
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"]) {
    assert.equal(packageJson[field], undefined, field);
  }
  assert.equal(readFileSync(join(installed, "cli.js"), "utf8").split("\n")[0], "#!/usr/bin/env node");
});

test("a Node program imports the package by name and sends a counter and a timer over UDP", async () => {
  await assertConsumerWorks(process.execPath, "node");
});

test("a Bun program imports the package by name and sends a counter and a timer over UDP", async () => {
  await assertConsumerWorks(bun, "bun");
});

test("spectator-agent --help prints the usage", async () => {
  const { stdout } = await succeed(agentBin, ["--help"]);
  assert.match(stdout, /^Usage: spectator-agent \[options\]\n/);
  assert.match(stdout, /--port N/);
});

test("the README's one-liner for JSR installs runs the agent from the installed package", async () => {
  // The README's route for Node users of JSR's npm layer, which installs the same files under the same name.
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const oneLiner = /^node --input-type=module -e '([^']+)' --/m.exec(readme);
  assert.ok(oneLiner, "the README shows the one-liner");
  const { stdout } = await succeed(process.execPath, ["--input-type=module", "-e", oneLiner[1], "--", "--help"]);
  assert.match(stdout, /^Usage: /);
});

test("spectator-agent aggregates what a Registry sends over UDP and prints the interval as JSON", async () => {
  const agent = start(agentBin, ["--port", "0", "--json", "--interval", "300", "--once"]);
  let running = true;
  agent.done.finally(() => running = false).catch(() => {});
  const listening = /agent: listening on udp:\/\/127\.0\.0\.1:(\d+)/;
  await waitUntil(() => listening.test(agent.stderr) || !running, () => `agent never listened: ${agent.stderr}`);
  const port = Number(listening.exec(agent.stderr)?.[1]);
  const { Config, Registry } = await import(pathToFileURL(join(installed, "mod.js")).href);
  // Silent: the last batch may arrive after the agent has gone, which the writer would log.
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const registry = new Registry(new Config({ location: `udp://127.0.0.1:${port}`, logger: silent }));
  try {
    // Send until the agent exits after its one interval.
    while (running) {
      registry.counter("npm.agent", { runtime: "node" }).increment();
      await registry.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await registry.close();
  }
  const { code, stdout, stderr } = await agent.done;
  assert.equal(code, 0, stderr);
  const reports = stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(reports.length, 1, stdout);
  const [{ meters, intervalSeconds }] = reports;
  const sent = meters["c:npm.agent,runtime=node"]?.rate * intervalSeconds;
  assert.ok(sent >= 1 && Math.abs(sent - Math.round(sent)) < 1e-6, stdout);
});

test("spectator-agent --ui serves the live view's assets from the installed package, until SIGTERM", async () => {
  const agent = start(agentBin, ["--port", "0", "--ui-port", "0"]);
  let running = true;
  agent.done.finally(() => running = false).catch(() => {});
  const serving = /^agent: live view on (http:\/\/127\.0\.0\.1:\d+\/)$/m;
  await waitUntil(() => serving.test(agent.stderr) || !running, () => `no live view: ${agent.stderr}`);
  try {
    const url = serving.exec(agent.stderr)[1];
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="app.js" defer><\/script>/);
    const script = await fetch(`${url}app.js`);
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(await script.text(), /new EventSource\("events"\)/);
  } finally {
    agent.child.kill("SIGTERM");
  }
  const { code, stderr } = await agent.done;
  assert.equal(code, 0, stderr);
});

const CONSUMER_TS = `import { main } from "@spectator/client/cli";
import { Config, type MemoryWriter, Registry } from "@spectator/client";
import { instrumentHandler } from "@spectator/client/ipc";
import { type RuntimeMetrics, startRuntimeMetrics } from "@spectator/client/runtime-metrics";

const registry = new Registry(new Config({ location: "memory" }));
registry.counter("ts.consumer", { runtime: "node" }).increment();
const metrics: RuntimeMetrics = startRuntimeMetrics(registry, { intervalMs: 1_000 });
metrics.stop();
const handler = instrumentHandler(registry, (request: Request) => new Response(request.url));
const response: Response | Promise<Response> = handler(new Request("http://localhost/"));
const lines: string[] = (registry.writer() as MemoryWriter).get();
const exitCode: Promise<number> = main(["--help"]);
console.log(response, lines, exitCode);
`;

test("a TypeScript program type-checks against the installed declarations, and a wrong call does not", async () => {
  writeFileSync(join(project, "consumer.ts"), CONSUMER_TS);
  writeFileSync(
    join(project, "wrong.ts"),
    `import { Registry } from "@spectator/client";

new Registry().counter(42);
`,
  );
  const options = [
    "--noEmit",
    "--strict",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--types",
    "node",
    "--typeRoots",
    join(root, "node_modules/@types"),
  ];
  const right = await run(tsc, [...options, "consumer.ts"]);
  assert.equal(right.code, 0, right.stdout + right.stderr);
  const wrong = await run(tsc, [...options, "wrong.ts"]);
  assert.notEqual(wrong.code, 0, "tsc accepted counter(42)");
  assert.match(wrong.stdout, /wrong\.ts\(3,\d+\): error TS2345: Argument of type 'number'/);
});

for (const [compiler, bin] of Object.entries(compilers)) {
  for (const target of [undefined, "es2022"]) {
    const shown = target === undefined ? "the default target" : `target ${target}`;
    test(`a strict ${compiler} project without @types/node type-checks the declarations (nodenext, ${shown})`, async () => {
      const name = `no-node-types-${compiler.replace(/\W/g, "")}-${target ?? "default"}`;
      writeFileSync(join(project, `${name}.ts`), CONSUMER_TS);
      const compilerOptions = {
        strict: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        types: [],
        skipLibCheck: false,
        ...(target === undefined ? {} : { target }),
      };
      writeFileSync(join(project, `${name}.json`), JSON.stringify({ compilerOptions, files: [`${name}.ts`] }));
      const { code, stdout, stderr } = await run(process.execPath, [bin, "-p", `${name}.json`]);
      assert.equal(code, 0, stdout + stderr);
    });
  }
}

/**
 * Runs the consumer program with a runtime in the project and checks what it sends to a UDP socket on 127.0.0.1 and
 * what it prints.
 */
async function assertConsumerWorks(command, runtime) {
  const socket = dgram.createSocket("udp4");
  const received = [];
  socket.on("message", (message) => received.push(...message.toString("utf8").split("\n").filter(Boolean)));
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    const location = `udp://127.0.0.1:${socket.address().port}`;
    const { stdout } = await succeed(command, ["consumer.mjs", location, runtime]);
    await waitUntil(() => received.length >= 2, () => `received only ${JSON.stringify(received)}`);
    assert.deepEqual(received.sort(), [
      `c:npm.consumer,runtime=${runtime}:1`,
      `t:npm.consumer.latency,runtime=${runtime}:0.25`,
    ]);
    const { status, lines } = JSON.parse(stdout);
    assert.equal(status, 200);
    const call = "T:ipc.server.call,http.method=get,http.status=200,ipc.endpoint=unknown,ipc.result=success," +
      "ipc.status=success,owner=spectator:";
    assert.ok(lines.some((line) => line.startsWith(call)), lines.join("\n"));
    const rss = new RegExp(
      `^g:nodejs\\.rss,nodejs\\.version=v[^,:]+,runtime=${runtime},runtime\\.version=[^,:]+:\\d+$`,
    );
    assert.ok(lines.some((line) => rss.test(line)), lines.join("\n"));
  } finally {
    await new Promise((resolve) => socket.close(resolve));
  }
}

/**
 * Starts a process in the consumer project (or `cwd`), killed after `timeout` milliseconds. Its output collects in
 * `stdout` and `stderr` as it arrives; `done` resolves with the exit code and all the output when it ends.
 */
function start(command, args, { cwd = project, timeout = 30_000 } = {}) {
  const child = spawn(command, args, { cwd, env, timeout, stdio: ["ignore", "pipe", "pipe"] });
  const started = { child, stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk) => started.stdout += chunk);
  child.stderr.setEncoding("utf8").on("data", (chunk) => started.stderr += chunk);
  started.done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout: started.stdout, stderr: started.stderr }));
  });
  return started;
}

/** Runs a process to its end; see {@linkcode start}. */
function run(command, args, options) {
  return start(command, args, options).done;
}

/** Runs a process to its end and fails unless it exits with 0. */
async function succeed(command, args, options) {
  const result = await run(command, args, options);
  const shown = [command, ...args].join(" ");
  assert.equal(
    result.code,
    0,
    `${shown} exited with ${result.code ?? result.signal}:\n${result.stdout}${result.stderr}`,
  );
  return result;
}
