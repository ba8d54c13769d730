import assert from "node:assert/strict";
import { test } from "node:test";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";

const onDeno = "Deno" in globalThis && !("Bun" in globalThis);

test("Importing mod.ts reads no environment variable; the first use of GlobalRegistry does", async () => {
  const result = await runFixture("global_registry_fixture", {
    args: ["env-reads"],
    env: { ...CLEAN_SPECTATOR_ENV, SPECTATOR_OUTPUT_LOCATION: "none" },
  });
  assert.equal(result.code, 0, result.stderr);
  const { atImport, afterUse } = JSON.parse(result.stdout) as { atImport: string[]; afterUse: string[] };
  assert.deepEqual(atImport, []);
  assert.ok(afterUse.some((read) => read.includes("SPECTATOR_OUTPUT_LOCATION")), afterUse.join(", "));
});

test(
  "On Deno without --allow-env, importing mod.ts prints nothing and the first use warns",
  { skip: !onDeno },
  async () => {
    const result = await runFixture("global_registry_fixture", {
      args: ["import-then-use"],
      denoFlags: ["--no-prompt", "--allow-read"],
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    const [beforeImport, firstUse] = result.stderr.split("--- imported\n");
    assert.equal(beforeImport, "");
    assert.match(firstUse, /^spectator\.config: cannot read SPECTATOR_OUTPUT_LOCATION, .*: run Deno with --allow-env=/);
    assert.ok(firstUse.endsWith("--- used\n"), firstUse);
  },
);

test("GlobalRegistry is a Registry that honours SPECTATOR_OUTPUT_LOCATION and the common tags", async () => {
  const result = await runFixture("global_registry_fixture", {
    args: ["memory"],
    env: { ...CLEAN_SPECTATOR_ENV, SPECTATOR_OUTPUT_LOCATION: "memory", TITUS_CONTAINER_NAME: "main" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.deepEqual(JSON.parse(result.stdout), {
    isRegistry: true,
    isMemoryWriter: true,
    lines: ["c:server.requestCount,nf.container=main,status=200:1", "g,60:queue.size,nf.container=main:3"],
  });
});
