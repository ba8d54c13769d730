// The real SpectatorD for the end-to-end benchmark (bench/e2e.mjs): finds the
// binary, runs it on free loopback ports with a Unix socket in a fresh
// temporary directory, reads what it parsed and aggregated from its admin
// endpoint (`GET /metrics`), and how much CPU it used (/proc/<pid>/stat).
//
// The binary: `SPECTATORD_BIN=<path>` when set; otherwise the project's build
// script, `node scripts/spectatord/build.mjs` (it prints the binary's path on
// its last line), when this checkout has it.
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { cpuSeconds } from "./_processes.mjs";

const root = new URL("..", import.meta.url).pathname;
const BUILD_SCRIPT = "scripts/spectatord/build.mjs";
/** The agent prints this once its UDP port and Unix socket are bound. */
const READY_LINE = "Starting local server (dgram) on socket";
const START_ATTEMPTS = 5;
const START_TIMEOUT_MS = 15_000;

/** Where the SpectatorD binary is, or a sentence saying why there is none. */
export function findSpectatordBinary() {
  const fromEnv = process.env.SPECTATORD_BIN;
  if (fromEnv) {
    try {
      accessSync(fromEnv, constants.X_OK);
      return { binary: fromEnv, source: "SPECTATORD_BIN" };
    } catch {
      return { error: `SPECTATORD_BIN=${fromEnv} is not an executable file` };
    }
  }
  if (!existsSync(join(root, BUILD_SCRIPT))) {
    return {
      error:
        `no SpectatorD binary: set SPECTATORD_BIN=<path to spectatord>, or run from a checkout with ${BUILD_SCRIPT}`,
    };
  }
  const build = spawnSync("node", [BUILD_SCRIPT], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const binary = build.stdout?.trim().split("\n").pop();
  if (build.status !== 0 || !binary) return { error: `node ${BUILD_SCRIPT} failed (exit ${build.status})` };
  return { binary, source: BUILD_SCRIPT };
}

/**
 * Starts the agent on free loopback ports and resolves once it is up:
 * `{ pid, port, adminPort, socketPath, output(), metrics(), counter(name, tags), parsedCount(), parseErrors(),
 * ended(), cpuSeconds(), stop() }`.
 * A start whose port another process took meanwhile is retried with fresh ports.
 */
export async function startSpectatord(binary) {
  const dir = mkdtempSync(join(tmpdir(), "spectatord-bench-"));
  const socketPath = join(dir, "spectatord.unix");
  for (let attempt = 1;; attempt++) {
    const port = await freePort("udp");
    const adminPort = await freePort("tcp");
    try {
      const agent = await launch(binary, port, adminPort, socketPath);
      return handle(agent, port, adminPort, socketPath, dir);
    } catch (error) {
      if (!error.portTaken || attempt === START_ATTEMPTS) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

function handle(agent, port, adminPort, socketPath, dir) {
  const metrics = async () => JSON.parse(await get(adminPort, "/metrics"));
  const counter = async (name, tags = {}) => {
    const found = (await metrics()).counters.find((meter) => meter.name === name && sameTags(meter.tags, tags));
    return found === undefined ? undefined : Number(found.value);
  };
  let stopped;
  return {
    pid: agent.child.pid,
    port,
    adminPort,
    socketPath,
    output: agent.output,
    metrics,
    counter,
    /** `spectatord.parsedCount`: the lines the agent has parsed since it started. */
    parsedCount: async () => (await counter("spectatord.parsedCount")) ?? 0,
    /** How the agent ended (`exit code 1`, `signal SIGABRT`), or undefined while it runs. */
    ended: () => {
      const { exitCode, signalCode } = agent.child;
      if (signalCode !== null) return `signal ${signalCode}`;
      return exitCode === null ? undefined : `exit code ${exitCode}`;
    },
    /** `spectatord.parseErrors`: the lines the agent rejected since it started. */
    parseErrors: async () => (await counter("spectatord.parseErrors")) ?? 0,
    /** CPU time the agent has used so far (user + system), in seconds. */
    cpuSeconds: () => cpuSeconds(agent.child.pid),
    stop: () => (stopped ??= terminate(agent).finally(() => rmSync(dir, { recursive: true, force: true }))),
  };
}

async function launch(binary, port, adminPort, socketPath) {
  const args = [
    `--port=${port}`,
    `--admin_port=${adminPort}`,
    `--socket_path=${socketPath}`,
    "--enable_insight_logs=false",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  exited.then(() => process.off("exit", killOnExit));
  const agent = { child, exited, output: () => output };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(output.includes(READY_LINE) && (await answers(adminPort)))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const error = new Error(`SpectatorD exited before it was up on ports ${port}/${adminPort}:\n${output}`);
      error.portTaken = /Address already in use/i.test(output);
      throw error;
    }
    if (Date.now() > deadline) {
      await terminate(agent);
      throw new Error(`SpectatorD was not up within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return agent;
}

/** SIGTERM, then SIGKILL after 5 s. */
async function terminate({ child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** A port free at this moment: bound to 0 and released (UDP on [::], as the agent binds dual-stack). */
async function freePort(kind) {
  if (kind === "udp") {
    const socket = dgram.createSocket("udp6");
    await new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "::", resolve);
    });
    const { port } = socket.address();
    await new Promise((resolve) => socket.close(resolve));
    return port;
  }
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function answers(adminPort) {
  try {
    await get(adminPort, "/");
    return true;
  } catch {
    return false;
  }
}

function get(adminPort, path) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port: adminPort, path, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      response.on(
        "end",
        () =>
          response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: HTTP ${response.statusCode}`)),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

function sameTags(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
