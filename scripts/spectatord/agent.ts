/**
 * The real SpectatorD agent, run for the "real spectatord" test tier
 * (`tests/spectatord/`) and the end-to-end benchmark (`bench/e2e.mjs`, which
 * imports its transpiled twin in `dist/`): finds the binary, starts it on free
 * loopback ports with a socket in a fresh temporary directory, and reads what
 * it aggregated from its admin endpoint (`GET /metrics`).
 *
 * SpectatorD cannot bind port 0 and report the port, so the ports are found
 * free (bound to 0 and released), handed to the agent, and a start whose bind
 * fails is retried with fresh ports. The agent counts as up once it has said
 * it listens on its Unix socket (which it binds after its UDP port) and its
 * admin endpoint answers. An agent is killed when the process that started it
 * exits; the test runner also puts every tier run in a process group of its
 * own and kills the group when the run ends.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The environment variable that names the SpectatorD binary. */
export const SPECTATORD_BIN = "SPECTATORD_BIN";

/** The script that builds the binary (once per machine) and prints its path on its last line. */
const BUILD_SCRIPT = "scripts/spectatord/build.mjs";

/** Options for {@linkcode startSpectatord}. */
export interface SpectatordOptions {
  /** The binary; by default the one `SPECTATORD_BIN` names. */
  binary?: string;
  /** Publish to this URI (e.g. a local stub's) every `frequencySeconds`; by default nothing is published. */
  publishUri?: string;
  /** The publish interval in seconds; default 5, as SpectatorD's. */
  frequencySeconds?: number;
}

/** One meter in the admin endpoint's `GET /metrics`. */
export interface AdminMeter {
  name: string;
  tags: Record<string, string>;
  /** The value as SpectatorD formats it, e.g. `"3"`, `"0.5"`, `"nan"`. */
  value: string;
}

/** The meter lists of `GET /metrics`, by kind. */
export type AdminMetrics = Record<AdminKind, AdminMeter[]>;

/** The meter kinds `GET /metrics` lists. */
export type AdminKind =
  | "counters"
  | "gauges"
  | "max_gauges"
  | "age_gauges"
  | "timers"
  | "dist_summaries"
  | "mono_counters"
  | "mono_counters_uint";

/** A running agent. */
export interface Spectatord {
  /** The UDP port (SpectatorD binds `[::]`, dual-stack). */
  readonly port: number;
  /** The admin HTTP port on 127.0.0.1. */
  readonly adminPort: number;
  /** The Unix datagram socket's path. */
  readonly socketPath: string;
  /** The agent's process id (a new one after {@linkcode restart}). */
  readonly pid: number;
  /** Everything the agent has printed so far (its log). */
  output(): string;
  /** What the agent has aggregated, from its admin endpoint. */
  metrics(): Promise<AdminMetrics>;
  /**
   * The value of the meter of `kind` with exactly this name and these tags, as a number (`nan`, `inf` included), or
   * undefined when the agent has no such meter.
   */
  value(kind: AdminKind, name: string, tags?: Record<string, string>): Promise<number | undefined>;
  /** `spectatord.parsedCount`: the lines the agent has parsed since it started. */
  parsedCount(): Promise<number>;
  /** `spectatord.parseErrors`: the lines the agent rejected since it started. */
  parseErrors(): Promise<number>;
  /** How the agent ended (`exit code 1`, `signal SIGABRT`), or undefined while it runs. */
  ended(): string | undefined;
  /**
   * Stops the agent, waits `downMs` (default 0), and starts it again on the same ports and socket path. Rejects with
   * a {@linkcode PortTakenError} when another process took a port meanwhile.
   */
  restart(downMs?: number): Promise<void>;
  /** Stops the agent (SIGTERM, then SIGKILL after 5 s) and removes its socket directory; idempotent. */
  stop(): Promise<void>;
}

/** The agent could not bind a port it was given (another process holds it). */
export class PortTakenError extends Error {
  override name = "PortTakenError";
}

/** How many times a start is tried with fresh ports before giving up. */
const START_ATTEMPTS = 5;
/** How long an agent may take to come up. */
const START_TIMEOUT_MS = 15_000;
const READY_LINE = "Starting local server (dgram) on socket";

/** The SpectatorD binary named by `SPECTATORD_BIN`; throws when it is not set. */
export function spectatordBinary(): string {
  const binary = process.env[SPECTATORD_BIN];
  if (!binary) {
    throw new Error(`${SPECTATORD_BIN} is not set: run the tier through scripts/run_tests.mjs, which builds the agent`);
  }
  return binary;
}

/**
 * Where the SpectatorD binary is, for a program run by hand (the benchmark): `SPECTATORD_BIN` when set, else the one
 * this checkout's build script builds (building it on first use); or a sentence saying why there is none.
 */
export function findSpectatordBinary(): { binary: string; source: string } | { error: string } {
  const fromEnv = process.env[SPECTATORD_BIN];
  if (fromEnv) {
    try {
      accessSync(fromEnv, constants.X_OK);
      return { binary: fromEnv, source: SPECTATORD_BIN };
    } catch {
      return { error: `${SPECTATORD_BIN}=${fromEnv} is not an executable file` };
    }
  }
  const root = projectRoot();
  if (root === undefined || !existsSync(join(root, BUILD_SCRIPT))) {
    return { error: `no SpectatorD binary: set ${SPECTATORD_BIN}=<path to spectatord>, or run from a checkout` };
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

/** The checkout this module is in: two levels up, or three from its transpiled twin in `dist/`. */
function projectRoot(): string | undefined {
  for (const up of ["../../", "../../../"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, BUILD_SCRIPT))) return dir;
  }
  return undefined;
}

/**
 * Starts SpectatorD on free loopback ports with a socket in a fresh temporary directory and resolves once it is up.
 *
 * @param options the binary, and publishing (off by default)
 */
export async function startSpectatord(options: SpectatordOptions = {}): Promise<Spectatord> {
  const binary = options.binary ?? spectatordBinary();
  const dir = mkdtempSync(join(tmpdir(), "spectatord-"));
  const socketPath = join(dir, "spectatord.unix");
  try {
    for (let attempt = 1;; attempt++) {
      const port = await freePort("udp");
      const adminPort = await freePort("tcp");
      try {
        const process = await launch(binary, { port, adminPort, socketPath }, options);
        return agentHandle(process, binary, { port, adminPort, socketPath }, dir, options);
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt === START_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Where an agent listens. */
interface Places {
  port: number;
  adminPort: number;
  socketPath: string;
}

interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function agentHandle(
  first: AgentProcess,
  binary: string,
  places: Places,
  dir: string,
  options: SpectatordOptions,
): Spectatord {
  let current = first;
  let log = "";
  const metrics = () => getMetrics(places.adminPort);
  const value = async (kind: AdminKind, name: string, tags: Record<string, string> = {}) => {
    const meter = (await metrics())[kind].find((m) => m.name === name && sameTags(m.tags, tags));
    return meter === undefined ? undefined : parseAdminValue(meter.value);
  };
  let stopped: Promise<void> | undefined;
  return {
    ...places,
    get pid() {
      return current.child.pid!;
    },
    output: () => log + current.output(),
    metrics,
    value,
    parsedCount: async () => (await value("counters", "spectatord.parsedCount")) ?? 0,
    parseErrors: async () => (await value("counters", "spectatord.parseErrors")) ?? 0,
    ended: () => {
      const { exitCode, signalCode } = current.child;
      if (signalCode !== null) return `signal ${signalCode}`;
      return exitCode === null ? undefined : `exit code ${exitCode}`;
    },
    async restart(downMs = 0) {
      await terminate(current);
      log += current.output();
      await sleep(downMs);
      current = await launch(binary, places, options);
    },
    stop() {
      stopped ??= terminate(current).finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** Starts the binary and resolves once it is up; rejects with a PortTakenError when a port it was given is taken. */
async function launch(
  binary: string,
  { port, adminPort, socketPath }: Places,
  options: SpectatordOptions,
): Promise<AgentProcess> {
  const args = [
    `--port=${port}`,
    `--admin_port=${adminPort}`,
    `--socket_path=${socketPath}`,
    "--enable_insight_logs=false",
  ];
  if (options.publishUri !== undefined) {
    args.push(`--uri=${options.publishUri}`, `--frequency=${options.frequencySeconds ?? 5}s`);
  }
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => output += chunk);
  }
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitCode = code ?? signal ?? "unknown";
      resolve();
    });
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  const agent = { child, output: () => output, exited };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(output.includes(READY_LINE) && await answers(adminPort))) {
    if (exitCode !== undefined) {
      const why = `SpectatorD exited (${exitCode}) before it was up on ports ${port}/${adminPort}:\n${output}`;
      throw /Address already in use/i.test(output) ? new PortTakenError(why) : new Error(why);
    }
    if (Date.now() > deadline) {
      await terminate(agent);
      throw new Error(`SpectatorD was not up within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(20);
  }
  return agent;
}

/** Sends SIGTERM and waits for the exit; SIGKILL after 5 s. */
async function terminate({ child, exited }: AgentProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port the kernel reports free for `kind` on loopback at this moment (bound to 0, then released). */
async function freePort(kind: "udp" | "tcp"): Promise<number> {
  if (kind === "udp") {
    // SpectatorD binds [::] dual-stack, so the port must be free on IPv4 and IPv6 alike.
    const socket = dgram.createSocket({ type: "udp6" });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "::", () => resolve());
    });
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether the admin endpoint answers `GET /`. */
async function answers(adminPort: number): Promise<boolean> {
  try {
    await get(adminPort, "/");
    return true;
  } catch {
    return false;
  }
}

async function getMetrics(adminPort: number): Promise<AdminMetrics> {
  return JSON.parse(await get(adminPort, "/metrics")) as AdminMetrics;
}

/** GETs `path` from the admin endpoint on a fresh connection and resolves with the body of a 200 answer. */
function get(adminPort: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port: adminPort, path, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => body += chunk);
      response.on("end", () => {
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${path}: HTTP ${response.statusCode}`));
      });
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

/**
 * Reads a value as SpectatorD's admin endpoint formats it (`{fmt}`'s shortest form; `nan`, `inf`, `-inf`).
 *
 * @param text the value, e.g. `"0.5"` or `"nan"`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAdminValue } from "./agent.ts";
 *
 * assert.deepEqual(["0.5", "1e+20", "nan", "-inf"].map(parseAdminValue), [0.5, 1e20, NaN, -Infinity]);
 * ```
 */
export function parseAdminValue(text: string): number {
  if (text === "nan" || text === "-nan") return NaN;
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  const value = Number(text);
  if (Number.isNaN(value)) throw new SyntaxError(`not a value SpectatorD writes: ${JSON.stringify(text)}`);
  return value;
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
