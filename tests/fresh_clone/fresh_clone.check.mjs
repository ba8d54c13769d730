// Checks what a newcomer runs on a fresh clone: copies the repository's files (tracked and untracked, not ignored,
// as a clone of the committed tree would have them) into a temporary directory, runs `npm ci` there, and then:
//   - every command the README shows (in `sh` blocks, their `# or ...` comments, and inline code) is accounted for
//     below, and each one that can run offline runs as written (a long-running one until it has started);
//   - every task a user can see, deno.json's tasks and package.json's scripts, runs with `deno task` and `npm run`;
//   - `deno doc` of the entry points prints no warning.
// Not named *_test.* so that `deno test tests/` and `bun test ./tests/` leave it alone; run it with Node:
//   node --test tests/fresh_clone/fresh_clone.check.mjs   (or: node scripts/run_tests.mjs clone)
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import dgram from "node:dgram";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitUntil } from "../helpers/wait_until.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "spectator-fresh-clone-"));
const clone = join(temp, "clone");
/** Where the README's npm package commands install the tarball: a user's own project. */
const project = join(temp, "project");

// The npm_* variables of an enclosing `npm run` must not steer the clone's npm; npm must not reach the network.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
  PATH: `${join(clone, "node_modules/.bin")}:${process.env.PATH}`,
  NO_COLOR: "1",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_prefer_offline: "true",
};
for (const name of ["SPECTATOR_OUTPUT_LOCATION", "TITUS_CONTAINER_NAME", "NETFLIX_PROCESS_NAME"]) delete env[name];

/** What SpectatorD prints once it is up (it binds its Unix socket after its UDP port). */
const SPECTATORD_UP = /Starting local server \(dgram\) on socket/;

/** A command that runs SpectatorD through `prefix` on two free ports and a socket in the temporary directory. */
function spectatordOn(prefix) {
  return ([udp, admin]) => `${prefix} --port=${udp} --admin_port=${admin} --socket_path=${join(temp, `${udp}.sock`)}`;
}

/** The README's one-liner that runs the agent from the package JSR's npm layer installs (the npm package's twin). */
const ONE_LINER = `node --input-type=module -e 'const { main } = await import("@spectator/client/cli");
process.exitCode = await main(process.argv.slice(1));' --`;

/**
 * How each command of the README is checked, keyed by the command as the README writes it:
 * - `run`: the command runs in `cwd` (the clone, or the user's project), `after` the command it builds on;
 *   `start` keeps it running only until its output matches `expect`, for a server; otherwise it must exit 0 with
 *   output matching `expect`; either within `minutes` (2 unless said). `as` runs a variant instead, where the command
 *   as written would bind a fixed port such as SpectatorD's 1234 (which another process on the machine may hold) or a
 *   fixed path: a command, or a function of two free ports for a program that cannot take port 0 (SpectatorD);
 * - `task`: a `deno task` or `npm run` of a task that the task checks below run;
 * - `skip`: why it cannot run here (it needs jsr.io, or it is the reader's own program, or it names a tool only).
 */
const README_COMMANDS = {
  "npm ci": { skip: "run by this check to set up the clone" },
  "npx deno": { skip: "the prefix of the deno commands, which run here with node_modules/.bin on the PATH" },
  "npm test": { task: "test" },
  "npm run demo": { task: "demo" },
  "npm run agent": { task: "agent" },
  "deno task agent": { task: "agent" },
  "npm run bench": { task: "bench" },
  "deno task bench": { task: "bench" },
  "npm run bench:e2e": { task: "bench:e2e" },
  "deno task ok": { task: "ok" },
  "npm run test:only": { task: "test:only" },
  "npm run build:npm": { task: "build:npm" },
  "node scripts/gate.mjs": { run: { start: true, expect: /^=== gate: format$/m } },
  "node scripts/run_tests.mjs deno bun node npm clone doc spectatord": {
    run: { start: true, expect: /^=== deno --unstable-net: /m },
  },
  "node scripts/run_tests.mjs clone": { run: { start: true, expect: /^=== fresh clone: /m } },
  "node scripts/run_tests.mjs npm": { run: { start: true, expect: /^=== npm package: /m } },
  "npm pack ./dist-npm": { run: { after: "npm run build:npm", expect: /spectator-client-[\d.]+\.tgz/ } },
  "npm install ./spectator-client-*.tgz": { run: { cwd: project, expect: /added 1 package/ } },
  // The optional package for Node's Unix route, into the user's project (from npm's cache, which npm ci filled).
  "npm install node-unix-socket": { run: { cwd: project, expect: /added \d+ packages?/ } },
  "npx spectator-agent --port 0": {
    run: { cwd: project, start: true, expect: /agent: listening on udp:\/\/127\.0\.0\.1:\d+/ },
  },
  "bunx spectator-agent --port 0": {
    run: { cwd: project, start: true, expect: /agent: listening on udp:\/\/127\.0\.0\.1:\d+/ },
  },
  [`${ONE_LINER} --interval 1000`]: {
    run: {
      cwd: project,
      start: true,
      as: `${ONE_LINER} --port 0 --interval 1000`,
      expect: /agent: listening on udp:\/\/127\.0\.0\.1:\d+, publishing every 1000 ms/,
    },
  },
  "npx spectator-agent --port 0 --ui-port 0": {
    run: { cwd: project, start: true, expect: /agent: live view on http:\/\/127\.0\.0\.1:\d+\// },
  },
  "deno run -A jsr:@spectator/client/cli --ui": {
    run: {
      start: true,
      as: "deno run -A cli.ts --port 0 --ui --ui-port 0",
      expect: /agent: live view on http:\/\/127\.0\.0\.1:\d+\//,
    },
  },
  "npm run demo -- --ui": { run: { start: true, expect: /agent: live view on http:\/\/127\.0\.0\.1:\d+\// } },
  "npm run demo -- udp://127.0.0.1:1234": {
    skip: "needs a SpectatorD on port 1234: the real SpectatorD tier runs the demo against the real agent " +
      "(tests/spectatord/examples.check.ts)",
  },
  "node scripts/build_ui_assets.mjs": { run: { expect: /wrote src\/cli\/ui\/_assets\.ts/ } },
  "node scripts/build_ui_assets.mjs --check": { run: { expect: /src\/cli\/ui\/_assets\.ts is up to date/ } },
  // Builds SpectatorD once per machine (minutes), unless the cache has it.
  "node scripts/spectatord/build.mjs": { run: { expect: /spectatord-\w+\/spectatord$/m, minutes: 20 } },
  "npm run spectatord": { run: { start: true, as: spectatordOn("npm run spectatord --"), expect: SPECTATORD_UP } },
  "npm run spectatord -- --socket_path=/tmp/spectatord.unix --port=1235 --admin_port=1236": {
    run: { start: true, as: spectatordOn("npm run spectatord --"), expect: SPECTATORD_UP },
  },
  "deno bench bench/meters_bench.ts": { run: { start: true, expect: /meters_bench\.ts/ } },
  "deno fmt --check": { run: { expect: /Checked \d+ files/ } },
  "deno lint": { run: { expect: /Checked \d+ files/ } },
  "deno check --doc-only README.md": { run: { expect: /Check README\.md/ } },
  "deno publish --dry-run": { run: { expect: /Success Dry run complete/ } },
  "deno check": { skip: "names the gate's type check step, whose arguments the next sentence lists" },
  "deno doc --lint": { skip: "names the gate's doc lint step, whose arguments the next sentence lists" },
  "deno test": { skip: "names a test runner the gate uses" },
  "deno task": { skip: "names Deno's task runner, which this check runs every task with" },
  "npm run": { skip: "names npm's script runner, which this check runs every script with" },
  "deno doc": { skip: "names the doc generator, which this check runs on the entry points" },
  "deno test --doc": { skip: "names a test runner the gate uses" },
  "bun test": { skip: "names a test runner the gate uses" },
  "node --test": { skip: "names a test runner the gate uses" },
  "deno add jsr:@spectator/client": { skip: "needs jsr.io" },
  "bunx jsr add @spectator/client": { skip: "needs jsr.io" },
  "npx jsr add @spectator/client": { skip: "needs jsr.io" },
  "deno run -A jsr:@spectator/client/cli": {
    run: { start: true, as: "deno run -A cli.ts --port 0", expect: /agent: listening on udp:\/\/127\.0\.0\.1:\d+/ },
  },
  "deno run -A jsr:@spectator/client/cli --port 0 --json": {
    run: { start: true, as: "deno run -A cli.ts --port 0 --json", expect: /agent: listening on udp/ },
  },
  "deno run -A jsr:@spectator/client/cli --unix /tmp/spectatord.unix": {
    run: {
      start: true,
      as: `deno run -A cli.ts --port 0 --unix ${join(temp, "spectatord.unix")}`,
      expect: /agent: listening on .*unix:\/\//,
    },
  },
  "deno run --allow-net --allow-env app.ts": { skip: "app.ts is the reader's own program" },
  "SPECTATOR_OUTPUT_LOCATION=stdout deno run --allow-net --allow-env app.ts": {
    skip: "app.ts is the reader's own program",
  },
  "SPECTATOR_OUTPUT_LOCATION=none node app.js": { skip: "app.js is the reader's own program" },
};

/**
 * How each task of deno.json and package.json is checked with `deno task` and `npm run`: `args` are appended (a
 * short run where the task runs long), and the output must match `expect`; `start` tasks (the gate and the test
 * suite, which this check is part of) run only until their output matches.
 */
const TASKS = {
  demo: { expect: /what SpectatorD would publish/ },
  agent: { args: ["--help"], expect: /^Usage: spectator-agent \[options\]/m },
  test: { start: true, expect: /^=== (deno --unstable-net: |gate: format$)/m }, // npm's runs the gate, Deno's the suite
  "test:only": { start: true, expect: /^=== deno --unstable-net: /m },
  ok: { start: true, expect: /^=== gate: format$/m },
  bench: { start: true, args: ["--quick"], expect: /^bench: /m },
  // It builds SpectatorD first where the cache lacks it (minutes).
  "bench:e2e": { start: true, args: ["--quick"], expect: /^bench:e2e: SpectatorD: /m, minutes: 20 },
  soak: { args: ["--seconds", "2", "--down-ms", "100"], expect: /"linesDelivered":[1-9]/ },
  spectatord: {
    start: true,
    args: ([udp, admin]) => [`--port=${udp}`, `--admin_port=${admin}`, `--socket_path=${join(temp, `${udp}.sock`)}`],
    expect: SPECTATORD_UP,
  },
  "build:npm": { expect: /^built @spectator\/client@/m },
};

const denoTasks = Object.keys(JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).tasks);
const npmScripts = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts);

before(async () => {
  copyRepositoryFiles(clone);
  mkdirSync(project);
  await succeed("npm", ["ci", "--no-audit", "--no-fund"], { cwd: clone });
});

after(() => rmSync(temp, { recursive: true, force: true }));

test("every command the README shows is accounted for", () => {
  const shown = readmeCommands(readFileSync(join(root, "README.md"), "utf8"));
  assert.deepEqual([...new Set(shown)].sort(), Object.keys(README_COMMANDS).sort());
  for (const [command, { task }] of Object.entries(README_COMMANDS)) {
    if (task === undefined) continue;
    const runner = command.startsWith("deno ") ? denoTasks.concat(npmScripts) : npmScripts;
    assert.ok(runner.includes(task), `${command}: no such task`);
  }
});

test("every task of deno.json and package.json is checked", () => {
  assert.deepEqual([...new Set([...denoTasks, ...npmScripts])].sort(), Object.keys(TASKS).sort());
});

describe("the README's commands run as written on a fresh clone", () => {
  // In the README's order: the npm package commands build on each other.
  for (const [command, { run: how }] of Object.entries(README_COMMANDS)) {
    if (how === undefined) continue;
    test(command, async () => {
      const shell = typeof how.as === "function" ? how.as(await freePorts()) : how.as ?? command;
      if (how.after !== undefined) await check(["sh", "-c", how.after], { cwd: clone, expect: /./ });
      if (how.cwd === project && shell.startsWith("npm install")) copyTarballInto(project);
      await check(["sh", "-c", shell], { ...how, cwd: how.cwd ?? clone });
    });
  }
});

const runners = [
  {
    describes: "every task runs with deno task",
    command: ["deno", "task"],
    separator: [],
    // deno task runs package.json's scripts too, where deno.json has no task of the name.
    names: [...denoTasks, ...npmScripts.filter((name) => !denoTasks.includes(name))],
  },
  { describes: "every script runs with npm run", command: ["npm", "run"], separator: ["--"], names: npmScripts },
];
for (const { describes, command, separator, names } of runners) {
  describe(describes, () => {
    for (const name of names) {
      const { args = [], ...how } = TASKS[name] ?? {};
      const shown = typeof args === "function" ? ["<free ports>"] : args;
      test([...command, name, ...(shown.length > 0 ? [...separator, ...shown] : [])].join(" "), async () => {
        const given = typeof args === "function" ? args(await freePorts()) : args;
        await check([...command, name, ...(given.length > 0 ? [...separator, ...given] : [])], { ...how, cwd: clone });
      });
    }
  });
}

test("deno doc of the entry points prints no warning", async () => {
  const { stdout, stderr } = await succeed("deno", ["doc", "mod.ts", "cli.ts", "runtime_metrics.ts", "ipc.ts"], {
    cwd: clone,
  });
  assert.equal(stderr, "");
  assert.match(stdout, /class Registry/);
});

/**
 * The commands of the README: each line of its `sh` blocks (a quoted argument may span lines), split at `&&`,
 * with the commands its comments offer as alternatives (`# or npm run agent, ...`), and its inline code that
 * starts with a runtime or package manager.
 */
function readmeCommands(readme) {
  const commands = [];
  const add = (text) => commands.push(...text.split(" && ").map((command) => command.trim()));
  for (const [, block] of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let pending = "";
    for (const line of block.split("\n")) {
      pending = pending === "" ? line : `${pending}\n${line}`;
      if ((pending.match(/'/g) ?? []).length % 2 === 1) continue; // a quoted argument continues on the next line
      const [, command, comment = ""] = /^(.*?)(?:\s+#\s*(.*))?$/s.exec(pending);
      if (command.trim() !== "") add(command);
      const alternative = /^or (.+?)(?:,|$)/.exec(comment);
      if (alternative) add(alternative[1]);
      pending = "";
    }
  }
  const prose = readme.replace(/^```[\s\S]*?^```$/gm, "");
  for (const [, code] of prose.matchAll(/`([^`\n]+)`/g)) {
    if (/^([A-Z_]+=\S+ )?(npm|npx|deno|bun|bunx|node) /.test(code)) add(code);
  }
  return commands;
}

/** Copies the files a clone would have (tracked and untracked, not ignored) from the repository into `dir`. */
function copyRepositoryFiles(dir) {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  for (const path of listed.split("\0").filter(Boolean)) {
    const source = join(root, path);
    if (!statSync(source, { throwIfNoEntry: false })?.isFile()) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(source, join(dir, path));
  }
}

/** Copies the tarball `npm pack` wrote into the clone into `dir`, as a user would to install it. */
function copyTarballInto(dir) {
  const tarballs = readdirSync(clone).filter((name) => /^spectator-client-.*\.tgz$/.test(name));
  assert.equal(tarballs.length, 1, `expected one tarball from npm pack in the clone: ${tarballs.join(", ")}`);
  copyFileSync(join(clone, tarballs[0]), join(dir, tarballs[0]));
}

/** Two loopback ports free a moment ago, for a program that cannot bind port 0 and report it. */
async function freePorts() {
  const udp = dgram.createSocket("udp4");
  const tcp = net.createServer();
  await Promise.all([
    new Promise((resolve) => udp.bind(0, "127.0.0.1", resolve)),
    new Promise((resolve) => tcp.listen(0, "127.0.0.1", resolve)),
  ]);
  const ports = [udp.address().port, tcp.address().port];
  await Promise.all([new Promise((resolve) => udp.close(resolve)), new Promise((resolve) => tcp.close(resolve))]);
  return ports;
}

/**
 * Runs `command` in `cwd`. With `start`, waits until its output matches `expect`, then ends it and its children;
 * otherwise waits for it to exit 0 and checks its output; either within `minutes`.
 */
async function check(command, { cwd, start = false, expect, minutes = 2 }) {
  const child = launch(command, cwd, minutes * 60_000);
  if (start) {
    await waitUntil(
      () => expect.test(child.output) || child.exited,
      () => `${command.join(" ")} did not start:\n${child.output}`,
      { timeoutMs: minutes * 60_000, everyMs: 20 },
    );
    child.stop();
    const { output } = await child.done;
    assert.match(output, expect, `${command.join(" ")} exited before it started:\n${output}`);
    return;
  }
  const { code, signal, output } = await child.done;
  assert.equal(code, 0, `${command.join(" ")} exited with ${code ?? signal}:\n${output}`);
  assert.match(output, expect);
}

/** Runs `command` to its end and fails unless it exits with 0; resolves with its stdout and stderr. */
async function succeed(command, args, { cwd }) {
  const child = launch([command, ...args], cwd);
  const result = await child.done;
  assert.equal(result.code, 0, `${[command, ...args].join(" ")} exited with ${result.code}:\n${result.output}`);
  return result;
}

/**
 * Starts `command` in its own process group (so that `stop()` ends its children too), killed after `timeoutMs`.
 * Its output (stdout and stderr together) collects in `output`; `done` resolves when it has ended.
 */
function launch(command, cwd, timeoutMs = 120_000) {
  const child = spawn(command[0], command.slice(1), { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const launched = { output: "", stdout: "", stderr: "", exited: false };
  const timer = setTimeout(() => launched.stop(), timeoutMs);
  launched.stop = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  for (const stream of ["stdout", "stderr"]) {
    child[stream].setEncoding("utf8").on("data", (chunk) => {
      launched[stream] += chunk;
      launched.output += chunk;
    });
  }
  launched.done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      launched.exited = true;
      resolve({ code, signal, output: launched.output, stdout: launched.stdout, stderr: launched.stderr });
    });
  });
  return launched;
}
