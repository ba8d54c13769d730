// The demo and the README's first example, run as a user runs them, against the real SpectatorD: the agent shows
// exactly the meters their requests should make, and no parse error. Deno only (both use Deno.serve). Part of the
// "real spectatord" tier (scripts/run_tests.mjs).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { answer, DEMO_REQUESTS } from "../../examples/_play_app.ts";
import { CLEAN_SPECTATOR_ENV } from "../helpers/env.ts";
import { type Spectatord, startSpectatord } from "../../scripts/spectatord/agent.ts";
import { agentId, agentMeters, type ExpectedMeter, settledMeters, sortMeters } from "./agent_view.ts";
import { runtimeMode } from "./routes.ts";

const mode = runtimeMode();
/** The flags that put a child Deno on this mode's route. */
const MODE_FLAGS = mode === "deno libc" ? ["--allow-ffi"] : ["--unstable-net"];
const root = new URL("../../", import.meta.url);
let agent: Spectatord;
before(async () => agent = await startSpectatord());
after(() => agent?.stop());

/** Runs `deno run <args>` in a child with a clean environment plus `env`; resolves with its output once it exits. */
async function denoRun(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const childEnv = { ...Deno.env.toObject(), ...env };
  for (const name of Object.keys(CLEAN_SPECTATOR_ENV)) if (!(name in env)) delete childEnv[name];
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...args],
    env: childEnv,
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

test(`${mode}: the demo, given the real agent's location, makes exactly the meters its requests should`, async () => {
  const errorsBefore = await agent.parseErrors();
  const location = `udp://127.0.0.1:${agent.port}`;
  const demo = new URL("examples/demo.ts", root).pathname;
  const { code, output } = await denoRun(["--allow-net", "--allow-env", ...MODE_FLAGS, demo, location]);
  assert.equal(code, 0, output);
  assert.match(output, /, 0 dropped$/m);

  const counts = new Map<string, number>();
  let bytes = 0;
  for (const [method, path] of DEMO_REQUESTS) {
    const { status, body, tags } = answer(method, new URL(path, "http://demo"));
    const key = JSON.stringify({ version: "v1", ...tags, status: String(status), "nf.app": "demo" });
    counts.set(key, (counts.get(key) ?? 0) + 1);
    bytes += new TextEncoder().encode(body).length;
  }
  const expected: ExpectedMeter[] = [...counts].map(([tags, value]) => ({
    kind: "counters",
    ...agentId("server.requestCount", JSON.parse(tags)),
    value,
  }));
  expected.push({ kind: "dist_summaries", name: "server.responseSize", tags: { "nf.app": "demo" }, value: bytes });
  const counted = (m: { name: string }) => m.name === "server.requestCount" || m.name === "server.responseSize";
  assert.deepEqual(await settledMeters(agent, counted, expected), sortMeters(expected));
  const [latency] = await agentMeters(agent, (m) => m.name === "server.requestLatency");
  assert.ok(latency?.value > 0, `the latency timer: ${JSON.stringify(latency)}`);
  assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
});

/** The first `ts` code block after the README heading `### A first example`. */
function readmeFirstExample(): string {
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const section = readme.slice(readme.indexOf("### A first example"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the README has its first example");
  return block[1];
}

test(`${mode}: the README's first example, run as the README says, counts its plays in the real agent`, async () => {
  const errorsBefore = await agent.parseErrors();
  const dir = mkdtempSync(join(tmpdir(), "spectator-readme-"));
  // The example serves on Deno.serve's default port; the test moves it to a free one and reports it.
  writeFileSync(join(dir, "app.ts"), readmeFirstExample());
  writeFileSync(
    join(dir, "main.ts"),
    `const serve = Deno.serve;
(Deno as { serve: unknown }).serve = (handler: Deno.ServeHandler) =>
  serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log("port " + port) }, handler);
await import("./app.ts");
`,
  );
  writeFileSync(
    join(dir, "import_map.json"),
    JSON.stringify({ imports: { "@spectator/client": new URL("mod.ts", root).href } }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", `--import-map=${join(dir, "import_map.json")}`, join(dir, "main.ts")],
    env: { SPECTATOR_OUTPUT_LOCATION: `udp://127.0.0.1:${agent.port}`, PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!/^port (\d+)$/m.test(printed)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the example exited before it served: ${printed}`);
      printed += value;
    }
    void reader.cancel();
    const base = `http://127.0.0.1:${/^port (\d+)$/m.exec(printed)![1]}`;
    const plays = ["/api/v1/play?country=us&title=Narcos", "/api/v1/play?country=nl&title=Dark", "/api/v1/play"];
    for (const path of [...plays, "/"]) await (await fetch(base + path)).text();
    const expected: ExpectedMeter[] = [
      { kind: "counters", name: "server.requestCount", tags: { version: "v1" }, value: plays.length },
    ];
    const shown = await settledMeters(agent, (m) => m.name === "server.requestCount" && !m.tags["nf.app"], expected);
    assert.deepEqual(shown, expected);
    assert.equal(await agent.parseErrors(), errorsBefore, agent.output());
  } finally {
    child.kill("SIGTERM");
    await child.status;
    rmSync(dir, { recursive: true, force: true });
  }
});
