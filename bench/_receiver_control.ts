/**
 * The UDP benchmark's side of the receiver (bench/udp_receiver.mjs): starts
 * one with `node`, or connects to a running one, and asks it over its TCP
 * control port what has arrived.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sleep } from "./_utils.ts";

/** What the receiver reports: counts since its last reset. */
export interface ReceiverStats {
  datagrams: number;
  lines: number;
  bytes: number;
  largest: number;
  valueSum: number;
  kernelDrops: number | null;
  rcvbuf: number;
}

/** How {@linkcode ReceiverControl.awaitDelivery} counts and how long it waits. */
export interface DeliveryWait {
  /** What counts as delivered: lines (default), or the sum of their values. */
  measure?: "lines" | "valueSum";
  /** Stop once the count has not changed for this long (default 250 ms). */
  quietMs?: number;
  /** Stop after this long in any case (default 15 s). */
  limitMs?: number;
}

/** A line-based connection to the receiver's control port. */
export class ReceiverControl {
  readonly host: string;
  readonly port: number;
  readonly #socket: net.Socket;
  readonly #waiting: ((line: string) => void)[] = [];
  readonly #child: ChildProcess | undefined;

  constructor(host: string, port: number, socket: net.Socket, child: ChildProcess | undefined) {
    this.host = host;
    this.port = port;
    this.#socket = socket;
    this.#child = child;
    createInterface({ input: socket }).on("line", (line) => this.#waiting.shift()?.(line));
  }

  /** Connects to a running receiver, `host:port:controlPort`, or starts one with `node`. */
  static async open(address: string | undefined): Promise<ReceiverControl> {
    let child: ChildProcess | undefined;
    let host: string, port: number, controlPort: number;
    if (address === undefined) {
      ({ child, host, port, controlPort } = await startReceiver());
    } else {
      const match = /^(.+):(\d+):(\d+)$/.exec(address);
      if (match === null) {
        throw new TypeError(`udp_bench: --receiver must be HOST:PORT:CONTROL_PORT: received ${address}`);
      }
      [host, port, controlPort] = [match[1].replace(/^\[|\]$/g, ""), Number(match[2]), Number(match[3])];
    }
    const socket = net.connect(controlPort, host);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    return new ReceiverControl(host, port, socket, child);
  }

  /** Sends one command and returns the receiver's answer. */
  request(command: "stats" | "reset"): Promise<ReceiverStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`udp_bench: the receiver did not answer ${command}`)), 10_000);
      this.#waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as ReceiverStats);
      });
      this.#socket.write(`${command}\n`);
    });
  }

  /**
   * Polls until `expected` has arrived, counted by `measure` (`lines`, or
   * `valueSum`: the values added up, which counts a counter's increments
   * whether or not the client folded them into fewer lines), or the count
   * stops changing for `quietMs`, or `limitMs` passes; returns the last stats.
   */
  async awaitDelivery(expected: number | undefined, options: DeliveryWait = {}): Promise<ReceiverStats> {
    const { measure = "lines", quietMs = 250, limitMs = 15_000 } = options;
    const start = Date.now();
    let stats = await this.request("stats");
    let changedAt = Date.now();
    while (expected === undefined || stats[measure] < expected) {
      const now = Date.now();
      if (now - changedAt >= quietMs || now - start >= limitMs) break;
      await sleep(5);
      const next = await this.request("stats");
      if (next[measure] !== stats[measure]) changedAt = Date.now();
      stats = next;
    }
    return stats;
  }

  /** Closes the control connection, and the receiver when this script started it. */
  async close(): Promise<void> {
    this.#socket.end();
    this.#socket.destroy();
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.end();
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill();
  }
}

/** Starts bench/udp_receiver.mjs with `node` and reads the address it prints. */
async function startReceiver(): Promise<{ child: ChildProcess; host: string; port: number; controlPort: number }> {
  const candidates = ["./udp_receiver.mjs", "../../bench/udp_receiver.mjs"].map((path) =>
    fileURLToPath(new URL(path, import.meta.url))
  );
  const script = candidates.find((path) => existsSync(path));
  if (script === undefined) throw new Error(`udp_bench: cannot find udp_receiver.mjs in ${candidates.join(" or ")}`);
  const child = spawn("node", [script], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      lines.close();
      resolve(line);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`udp_bench: the receiver exited with ${code}`)));
  });
  const { host, port, controlPort } = JSON.parse(first) as { host: string; port: number; controlPort: number };
  return { child, host, port, controlPort };
}
