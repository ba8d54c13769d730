// The library under missing Deno permissions, one at a time and all
// together: importing works, no meter update throws, and each missing
// permission is reported once, naming its flag, however often the meters are
// updated. Single cases also live in tests/global_registry_test.ts (import
// without --allow-env), tests/udp_transport_test.ts (no --allow-net) and
// tests/writers/file_writer_test.ts (no --allow-write).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { denoDatagramApi } from "../src/transports/_deno_udp.ts";
import { CLEAN_SPECTATOR_ENV } from "./helpers/env.ts";
import { runFixture } from "./helpers/run_fixture.ts";
import { listenUdp } from "./helpers/udp_listener.ts";
import { platform } from "../src/_platform.ts";

const skip = platform().runtime === "deno" ? false : "Deno permissions exist only on Deno";
/** Deno children get --unstable-net exactly when the test process has it. */
const unstableNet = platform().runtime === "deno" && denoDatagramApi() !== undefined ? ["--unstable-net"] : [];
/** Lines permissions_fixture writes per registry: 13 updates over 3 turns. */
const LINES_PER_REGISTRY = 39;

const ENV_WARNINGS = [
  "spectator.config: cannot read SPECTATOR_OUTPUT_LOCATION, TITUS_CONTAINER_NAME and NETFLIX_PROCESS_NAME: run Deno " +
  "with --allow-env=SPECTATOR_OUTPUT_LOCATION,TITUS_CONTAINER_NAME,NETFLIX_PROCESS_NAME to use them",
];
const netError = (port: number) =>
  `spectator.writer: cannot connect to udp://127.0.0.1:${port}: network access to 127.0.0.1:${port} is not granted: ` +
  "run Deno with --allow-net=127.0.0.1";
const writeError = (file: string) => `spectator.writer: cannot write to file://${file}: run Deno with --allow-write`;

const ALL = ["--allow-env", "--allow-net", "--allow-write", "--allow-read", "--allow-ffi"];
const cases: { missing: string[]; messages: (port: number, file: string) => string[] }[] = [
  { missing: ["--allow-env"], messages: () => ENV_WARNINGS },
  { missing: ["--allow-net"], messages: (port) => [netError(port)] },
  { missing: ["--allow-write"], messages: (_, file) => [writeError(file)] },
  {
    missing: ALL,
    messages: (port, file) => [...ENV_WARNINGS, netError(port), writeError(file)],
  },
];

for (const { missing, messages } of cases) {
  const what = missing === ALL ? "any permission" : missing[0];
  test(
    `A Deno child without ${what} imports mod.ts, updates every meter without throwing and reports each missing permission once`,
    { skip },
    async () => {
      const listener = await listenUdp();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spectator-permissions-"));
      try {
        const file = path.join(dir, "metrics.txt");
        const result = await runFixture("permissions_fixture", {
          args: [`udp://127.0.0.1:${listener.port}`, `file://${file}`],
          env: CLEAN_SPECTATOR_ENV,
          denoFlags: ["--no-prompt", ...ALL.filter((flag) => !missing.includes(flag)), ...unstableNet],
          timeoutMs: 10_000,
        });
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.equal(result.stdout, "ok\n");
        const [beforeImport, reported] = result.stderr.split("--- imported\n");
        assert.equal(beforeImport, "", "importing mod.ts printed nothing");
        // The order of the transport's asynchronous error among the others is not fixed.
        assert.deepEqual(reported.trimEnd().split("\n").filter(Boolean).sort(), messages(listener.port, file).sort());
        if (missing.includes("--allow-net")) {
          assert.deepEqual(listener.lines(), []);
        } else {
          assert.equal((await listener.waitForLines(LINES_PER_REGISTRY, 1000)).length, LINES_PER_REGISTRY);
        }
        if (missing.includes("--allow-write")) {
          assert.equal(fs.existsSync(file), false);
        } else {
          assert.equal(fs.readFileSync(file, "utf8").split("\n").length - 1, LINES_PER_REGISTRY);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await listener.close();
      }
    },
  );
}

test("A Deno child without --allow-env and the locations memory and none prints no warning", { skip }, async () => {
  const result = await runFixture("permissions_fixture", {
    args: ["memory", "none"],
    env: CLEAN_SPECTATOR_ENV,
    denoFlags: ["--no-prompt", ...unstableNet],
    timeoutMs: 10_000,
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(result.stdout, "ok\n");
  assert.equal(result.stderr, "--- imported\n");
});
